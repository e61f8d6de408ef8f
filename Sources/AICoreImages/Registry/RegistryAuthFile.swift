import AICoreErrors
import Foundation
import NIOFileSystem

/// A credentials file in Docker's `config.json` format, which podman's `auth.json`
/// (`$REGISTRY_AUTH_FILE`) and aicore-node's own file share: `auths` with inline credentials,
/// `credHelpers` naming a `docker-credential-<name>` program per registry, and `credsStore`
/// naming the default one. Every other key is left alone.
struct RegistryAuthFile: Sendable {
    struct Entry: Decodable, Sendable, Equatable {
        /// base64 of `user:password`.
        var auth: String?
        var username: String?
        var password: String?
        var identitytoken: String?
    }

    var path: String
    var auths: [String: Entry] = [:]
    var credHelpers: [String: String] = [:]
    var credsStore: String?

    private struct Contents: Decodable {
        var auths: [String: Entry]?
        var credHelpers: [String: String]?
        var credsStore: String?
    }

    /// A credentials file is small; anything larger is not one.
    static let maximumSize = 4 << 20

    init(path: String, auths: [String: Entry] = [:], credHelpers: [String: String] = [:], credsStore: String? = nil) {
        self.path = path
        self.auths = auths
        self.credHelpers = credHelpers
        self.credsStore = credsStore
    }

    /// The file at `path`, or nil when there is none (no file is not an error: most hosts have
    /// no Docker config at all).
    static func load(_ path: String) async throws(AICoreError) -> RegistryAuthFile? {
        let bytes: [UInt8]
        do {
            guard let info = try await FileSystem.shared.info(forFileAt: FilePath(path)), info.type == .regular else {
                return nil
            }
            let buffer = try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
                try await handle.readToEnd(maximumSizeAllowed: .bytes(Int64(maximumSize)))
            }
            bytes = Array(buffer.readableBytesView)
        } catch {
            throw AICoreError(.registryAuth, "cannot read the credentials file \(path): \(error); check its permissions or remove it", cause: error)
        }
        return try parse(bytes, path: path)
    }

    static func parse(_ bytes: [UInt8], path: String) throws(AICoreError) -> RegistryAuthFile {
        // An empty file is what some tools leave behind; it holds no credentials.
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) {
            return RegistryAuthFile(path: path)
        }
        let contents: Contents
        do {
            contents = try JSONDecoder().decode(Contents.self, from: Data(bytes))
        } catch {
            throw AICoreError(.registryAuth, "the credentials file \(path) is not valid JSON in Docker's config.json format; fix it or remove it", cause: error)
        }
        return RegistryAuthFile(path: path, auths: contents.auths ?? [:], credHelpers: contents.credHelpers ?? [:], credsStore: contents.credsStore)
    }

    /// The `auths` entry for `registry`: the key exactly as Docker writes it first, then any key
    /// that names the same registry (`https://host`, `http://host/v2/`, Docker Hub's aliases).
    func entry(for registry: String) -> Entry? {
        let wanted = RegistryAuthFile.normalizedRegistry(registry)
        if let exact = auths[RegistryAuthFile.canonicalKey(for: registry)] { return exact }
        for key in auths.keys.sorted() where RegistryAuthFile.normalizedKey(key) == wanted {
            return auths[key]
        }
        return nil
    }

    /// The credential helper named for `registry` in `credHelpers`, else `credsStore`.
    func helper(for registry: String) -> String? {
        let wanted = RegistryAuthFile.normalizedRegistry(registry)
        if let exact = credHelpers[RegistryAuthFile.canonicalKey(for: registry)], !exact.isEmpty { return exact }
        for key in credHelpers.keys.sorted() where RegistryAuthFile.normalizedKey(key) == wanted {
            if let name = credHelpers[key], !name.isEmpty { return name }
        }
        if let credsStore, !credsStore.isEmpty { return credsStore }
        return nil
    }

    /// The credential an entry holds, or nil for an empty entry (the placeholder Docker writes
    /// beside a `credsStore`).
    static func credential(of entry: Entry, path: String, key: String) throws(AICoreError) -> RegistryCredential? {
        var username = entry.username.flatMap { $0.isEmpty ? nil : $0 }
        var password = entry.password.flatMap { $0.isEmpty ? nil : $0 }
        if let auth = entry.auth, !auth.isEmpty {
            guard let decoded = Data(base64Encoded: auth.trimmingCharacters(in: .whitespacesAndNewlines)),
                  let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
            else {
                throw AICoreError(.registryAuth, "the credentials for \"\(key)\" in \(path) are not base64 of user:password; log in again")
            }
            username = String(text[..<colon])
            password = String(text[text.index(after: colon)...])
        }
        if let token = entry.identitytoken, !token.isEmpty {
            return .identityToken(token, username: username)
        }
        guard let username, let password, !username.isEmpty || !password.isEmpty else { return nil }
        return .basic(username: username, password: password)
    }

    /// The key Docker uses for `registry`: `https://index.docker.io/v1/` for Docker Hub, else
    /// `host[:port]`.
    static func canonicalKey(for registry: String) -> String {
        let name = normalizedRegistry(registry)
        return name == ImageReference.dockerHub ? "https://index.docker.io/v1/" : name
    }

    /// `host[:port]` in lowercase, Docker Hub's aliases folded into `docker.io`, a scheme and a
    /// path dropped.
    static func normalizedRegistry(_ registry: String) -> String {
        var text = registry.lowercased()
        for scheme in ["https://", "http://"] where text.hasPrefix(scheme) {
            text.removeFirst(scheme.count)
        }
        if let slash = text.firstIndex(of: "/") { text = String(text[..<slash]) }
        return RegistryConfiguration.isDockerHub(text) ? ImageReference.dockerHub : text
    }

    /// The registry a key of `auths` or `credHelpers` names, or nil for a key scoped to a
    /// repository namespace (podman's `quay.io/team`), which is not matched against a whole
    /// registry.
    static func normalizedKey(_ key: String) -> String? {
        let lowered = key.lowercased()
        let hasScheme = lowered.hasPrefix("https://") || lowered.hasPrefix("http://")
        if !hasScheme, lowered.contains("/") { return nil }
        return normalizedRegistry(lowered)
    }
}
