import Foundation

/// Debian's docker-registry (distribution 2.8) on a loopback port, its storage in a test's
/// directory, with no authentication, htpasswd (Basic) or token authentication.
public struct RegistryServer: Sendable {
    public enum Auth: Sendable {
        case none
        /// An htpasswd file of bcrypt hashes (distribution reads no other kind).
        case htpasswd(path: String)
        case token(TokenServer)
    }

    public let port: Int
    public let process: ServerProcess

    /// `127.0.0.1:PORT`, as an image reference names the registry.
    public var host: String { "127.0.0.1:\(port)" }

    public static func start(auth: Auth, in directory: TemporaryDirectory) async throws -> RegistryServer {
        let port = try TestPort.next()
        var config = """
            version: 0.1
            log:
              level: info
              accesslog:
                disabled: false
            storage:
              filesystem:
                rootdirectory: \(directory.file("storage"))
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)
              secret: aicore-test-secret

            """
        switch auth {
        case .none:
            break
        case .htpasswd(let path):
            config += """
                auth:
                  htpasswd:
                    realm: aicore-test
                    path: \(path)

                """
        case .token(let server):
            config += """
                auth:
                  token:
                    realm: \(server.realm)
                    service: \(server.service)
                    issuer: \(server.issuer)
                    rootcertbundle: \(server.certificate)

                """
        }
        let configPath = directory.file("registry.yml")
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let process = try ServerProcess.start("docker-registry", "/usr/bin/docker-registry", ["serve", configPath], log: directory.file("registry.log"))
        do {
            try await process.waitUntilAnswering("http://127.0.0.1:\(port)/v2/")
        } catch {
            await process.stop()
            throw error
        }
        return RegistryServer(port: port, process: process)
    }

    public func stop() async {
        await process.stop()
    }
}
