import AICoreErrors
import AICoreSystem
import Foundation

/// Where registry credentials are found, in order: aicore-node's own file (written by
/// `aicore-node login`), then `$REGISTRY_AUTH_FILE` (podman's), then Docker's `config.json`.
/// Each is in Docker's format, so its `credHelpers` and `credsStore` programs are used too.
///
/// Lookups read the files each time (a `login` made meanwhile is seen); `RegistryClient` keeps
/// what it found for its own lifetime.
public struct RegistryCredentials: Sendable {
    /// aicore-node's own file; `store` and `remove` write it.
    public var ownFile: String?
    /// podman's `$REGISTRY_AUTH_FILE`.
    public var registryAuthFile: String?
    /// Docker's `config.json` (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`).
    public var dockerConfig: String?
    /// Where `docker-credential-<name>` programs are looked for.
    public var helperSearchPath: [String]
    /// How long a helper may take before it is killed and the lookup fails.
    public var helperTimeout: Duration
    /// `store` and `remove`, one at a time (each reads, changes and rewrites the own file):
    /// shared by every copy of these credentials.
    let ownFileChanges = SerialSection()

    /// `helperSearchPath` nil is this process's `$PATH`.
    public init(
        ownFile: String? = nil, registryAuthFile: String? = nil, dockerConfig: String? = nil,
        helperSearchPath: [String]? = nil, helperTimeout: Duration = .seconds(60)
    ) {
        self.ownFile = ownFile
        self.registryAuthFile = registryAuthFile
        self.dockerConfig = dockerConfig
        self.helperSearchPath = helperSearchPath ?? RegistryCredentials.searchPath(ProcessInfo.processInfo.environment)
        self.helperTimeout = helperTimeout
    }

    /// No credentials at all: anonymous pulls only.
    public static let none = RegistryCredentials()

    /// The usual places, as Docker and podman find them from `environment` and the home
    /// directory, with aicore-node's own file at `ownFile`.
    public static func standard(ownFile: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> RegistryCredentials {
        let dockerDirectory = environment["DOCKER_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + "/.docker"
        let authFile = environment["REGISTRY_AUTH_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        return RegistryCredentials(
            ownFile: ownFile, registryAuthFile: authFile, dockerConfig: dockerDirectory + "/config.json",
            helperSearchPath: searchPath(environment)
        )
    }

    static func searchPath(_ environment: [String: String]) -> [String] {
        (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
    }

    /// The credential for `registry` (`docker.io`, `host:port`), or nil when none is configured.
    public func lookup(registry: String) async throws(AICoreError) -> RegistryCredential? {
        for path in [ownFile, registryAuthFile, dockerConfig].compactMap({ $0 }) {
            guard let file = try await RegistryAuthFile.load(path) else { continue }
            if let credential = try await lookup(registry: registry, in: file) { return credential }
        }
        return nil
    }

    /// One file: its helper for the registry first (as Docker does), then its inline entry.
    func lookup(registry: String, in file: RegistryAuthFile) async throws(AICoreError) -> RegistryCredential? {
        if let name = file.helper(for: registry) {
            let helper = CredentialHelper(name: name, searchPath: helperSearchPath, timeout: helperTimeout)
            if let credential = try await helper.get(RegistryAuthFile.canonicalKey(for: registry)) { return credential }
        }
        if let entry = file.entry(for: registry) {
            return try RegistryAuthFile.credential(of: entry, path: file.path, key: RegistryAuthFile.canonicalKey(for: registry))
        }
        return nil
    }
}
