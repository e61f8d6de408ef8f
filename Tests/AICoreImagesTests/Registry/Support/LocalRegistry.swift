import AICoreErrors
import AICoreTestSupport
import Foundation
import Testing
@testable import AICoreImages

/// A real docker-registry with test images pushed to it by skopeo, shared by the tests of one
/// suite (`.localRegistry(kind)` starts it before the suite's first test and stops it after
/// its last; tests read it as `LocalRegistry.current`).
final class LocalRegistry: Sendable {
    enum Kind: Sendable {
        /// No authentication: schema2, OCI, zstd and multi-platform images.
        case open
        /// htpasswd (Basic): `private/app:v1`.
        case basic
        /// Token authentication: `public/app:v1` (anyone may pull) and `private/app:v1`.
        case token
    }

    static let user = "alice"
    static let password = "wonderland"
    static let identityToken = "aicore-identity-token"

    @TaskLocal static var current: LocalRegistry?

    let kind: Kind
    let directory: TemporaryDirectory
    let server: RegistryServer
    let tokenServer: TokenServer?
    /// The manifest (or index) digest of each pushed image, as skopeo reported it.
    let images: [String: Digest]

    var host: String { server.host }

    private init(kind: Kind, directory: TemporaryDirectory, server: RegistryServer, tokenServer: TokenServer?, images: [String: Digest]) {
        self.kind = kind
        self.directory = directory
        self.server = server
        self.tokenServer = tokenServer
        self.images = images
    }

    /// The current suite's registry, or a failure that says the suite lacks the trait.
    static func require() throws -> LocalRegistry {
        try #require(current, "this suite needs the .localRegistry trait")
    }

    func reference(_ name: String) throws -> ImageReference {
        try ImageReference(parsing: "\(host)/\(name)")
    }

    func digest(of name: String) throws -> Digest {
        try #require(images[name], "\(name) was not pushed")
    }

    static func start(_ kind: Kind) async throws -> LocalRegistry {
        let directory = try TemporaryDirectory("registry")
        var tokenServer: TokenServer?
        var server: RegistryServer?
        do {
            try await run("/bin/bash", [Fixtures.path("make_layouts.sh"), directory.path])
            let auth: RegistryServer.Auth
            switch kind {
            case .open:
                auth = .none
            case .basic:
                let line = try await run("/usr/bin/htpasswd", ["-Bbn", user, password])
                let path = directory.file("htpasswd")
                try line.trimmingCharacters(in: .whitespacesAndNewlines).appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
                auth = .htpasswd(path: path)
            case .token:
                let started = try await TokenServer.start(in: directory, users: [user: password], publicPrefixes: ["public/"], refreshTokens: [identityToken: user])
                tokenServer = started
                auth = .token(started)
            }
            let registry = try await RegistryServer.start(auth: auth, in: directory)
            server = registry
            var images: [String: Digest] = [:]
            for push in pushes(kind) {
                images[push.name] = try await self.push(push, to: registry.host, directory: directory, credentials: kind == .open ? nil : "\(user):\(password)")
            }
            return LocalRegistry(kind: kind, directory: directory, server: registry, tokenServer: tokenServer, images: images)
        } catch {
            await server?.stop()
            await tokenServer?.stop()
            await directory.remove()
            throw error
        }
    }

    func stop() async {
        await server.stop()
        await tokenServer?.stop()
        await directory.remove()
    }

    private struct Push {
        var name: String
        var source: String
        var options: [String]
    }

    private static func pushes(_ kind: Kind) -> [Push] {
        switch kind {
        case .open:
            [
                Push(name: "test/schema2:v1", source: "oci:layout:amd64", options: ["--format", "v2s2"]),
                Push(name: "test/oci:v1", source: "oci:layout:amd64", options: ["--format", "oci"]),
                Push(name: "test/zstd:v1", source: "oci:zstd:amd64", options: ["--preserve-digests"]),
                Push(name: "test/multi:v1", source: "oci:layout:multi", options: ["--all", "--preserve-digests"]),
            ]
        case .basic:
            [Push(name: "private/app:v1", source: "oci:layout:amd64", options: ["--format", "oci"])]
        case .token:
            [
                Push(name: "public/app:v1", source: "oci:layout:amd64", options: ["--format", "oci"]),
                Push(name: "private/app:v1", source: "oci:layout:arm64", options: ["--format", "oci"]),
            ]
        }
    }

    private static func push(_ push: Push, to host: String, directory: TemporaryDirectory, credentials: String?) async throws -> Digest {
        let digestFile = directory.file("digest-" + push.name.replacingOccurrences(of: "/", with: "_"))
        var arguments = ["copy", "--quiet", "--dest-tls-verify=false", "--digestfile", digestFile] + push.options
        if let credentials { arguments += ["--dest-creds", credentials] }
        arguments += [push.source, "docker://\(host)/\(push.name)"]
        try await run("/usr/bin/skopeo", arguments, in: directory.path)
        let text = try String(contentsOfFile: digestFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return try Digest(parsing: text)
    }

    /// Runs a tool to completion off the cooperative pool; a failure carries its stderr.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], in directory: String? = nil) async throws -> String {
        let output = try await offload { try ChildProcess.run(executable, arguments, directory: directory, timeout: .seconds(120)) }
        guard output.status == 0 else {
            throw ServerProcess.Failed(description: "\(executable) \(arguments.joined(separator: " ")) failed (\(output.status)): \(output.stderr)")
        }
        return output.stdout
    }
}
