import AICoreErrors
import AICoreTestSupport
import Foundation
import Testing
@testable import AICoreImages

@Suite("Basic authentication against a real docker-registry (htpasswd)", .localRegistry(.basic))
struct RegistryBasicAuthTests {
    /// Resolves, fetches the manifest and every blob of `private/app:v1`, and checks them.
    private func pull(_ registry: LocalRegistry, credentials: RegistryCredentials) async throws {
        let reference = try registry.reference("private/app:v1")
        let directory = try TemporaryDirectory("basic-pull")
        try await cleaningUp([directory]) {
            let manifest = try await TestClient.with(credentials: credentials) { client in
                let descriptor = try await client.resolve(reference)
                #expect(descriptor.digest == (try registry.digest(of: "private/app:v1")))
                let manifest = try JSONDecoder().decode(ImageManifest.self, from: Data(try await client.manifest(reference, descriptor)))
                for blob in [manifest.config] + manifest.layers {
                    try await client.fetchBlob(reference, blob, to: directory.file(blob.digest.hex))
                }
                return manifest
            }
            for blob in [manifest.config] + manifest.layers {
                #expect(try await TestFiles.digest(directory.file(blob.digest.hex)) == blob.digest)
            }
        }
    }

    @Test(
        "Good credentials from a Docker config.json's auths, under any key naming the registry",
        arguments: ["HOST", "https://HOST", "http://HOST/v2/"]
    )
    func goodCredentials(key: String) async throws {
        let registry = try LocalRegistry.require()
        let directory = try TemporaryDirectory("basic-config")
        try await cleaningUp([directory]) {
            let config = DockerConfig.auths([key.replacingOccurrences(of: "HOST", with: registry.host): (LocalRegistry.user, LocalRegistry.password)])
            let path = try await DockerConfig.write(config, as: "config.json", in: directory)
            try await pull(registry, credentials: RegistryCredentials(dockerConfig: path))
        }
    }

    @Test("Good credentials from a credHelpers helper, which is given the registry on stdin")
    func credentialHelper() async throws {
        let registry = try LocalRegistry.require()
        let directory = try TemporaryDirectory("basic-helper")
        try await cleaningUp([directory]) {
            let bin = try await DockerConfig.helper("test", in: directory, serverURL: registry.host, username: LocalRegistry.user, secret: LocalRegistry.password)
            // The inline entry is wrong: the helper named for the registry wins, as in Docker.
            let config = """
                {"credHelpers": {"\(registry.host)": "test"},
                 "auths": {"\(registry.host)": {"auth": "\(Data("alice:wrong".utf8).base64EncodedString())"}}}
                """
            let path = try await DockerConfig.write(config, as: "config.json", in: directory)
            try await pull(registry, credentials: RegistryCredentials(dockerConfig: path, helperSearchPath: [bin]))
            let asked = String(decoding: try await TestFiles.bytes(directory.file("test.stdin")), as: UTF8.self)
            // Looked up once for the whole pull, then kept by the client.
            #expect(asked == "\(registry.host)\n")
        }
    }

    @Test("Good credentials from the credsStore default helper")
    func credsStore() async throws {
        let registry = try LocalRegistry.require()
        let directory = try TemporaryDirectory("basic-store")
        try await cleaningUp([directory]) {
            let bin = try await DockerConfig.helper("store", in: directory, serverURL: registry.host, username: LocalRegistry.user, secret: LocalRegistry.password)
            let path = try await DockerConfig.write("{\"credsStore\": \"store\", \"auths\": {\"\(registry.host)\": {}}}", as: "config.json", in: directory)
            try await pull(registry, credentials: RegistryCredentials(dockerConfig: path, helperSearchPath: [bin]))
        }
    }

    @Test("Wrong credentials: .registryAuth naming the registry and the user, and what to do")
    func wrongCredentials() async throws {
        let registry = try LocalRegistry.require()
        let directory = try TemporaryDirectory("basic-wrong")
        try await cleaningUp([directory]) {
            let path = try await DockerConfig.write(DockerConfig.auths([registry.host: ("alice", "not-her-password")]), as: "config.json", in: directory)
            let reference = try registry.reference("private/app:v1")
            let error = await thrownError {
                _ = try await TestClient.with(credentials: RegistryCredentials(dockerConfig: path)) { try await $0.resolve(reference) }
            }
            #expect(error?.code == .registryAuth)
            #expect(error?.message == "resolving \(reference): registry \(registry.host) refused the credentials for user \"alice\" (HTTP 401); check them with aicore-node login \(registry.host)")
        }
    }

    @Test("No credentials where they are required: .registryAuth saying to log in")
    func noCredentials() async throws {
        let registry = try LocalRegistry.require()
        let reference = try registry.reference("private/app:v1")
        let error = await thrownError { _ = try await TestClient.with { try await $0.resolve(reference) } }
        #expect(error?.code == .registryAuth)
        #expect(error?.message == "resolving \(reference): registry \(registry.host) requires credentials (HTTP 401) and none were found; log in with aicore-node login \(registry.host)")
    }

    @Test("Credentials stored in aicore-node's own file win over Docker's")
    func ownFileFirst() async throws {
        let registry = try LocalRegistry.require()
        let directory = try TemporaryDirectory("basic-own")
        try await cleaningUp([directory]) {
            let docker = try await DockerConfig.write(DockerConfig.auths([registry.host: ("alice", "stale")]), as: "config.json", in: directory)
            let credentials = RegistryCredentials(ownFile: directory.file("aicore/auth.json"), dockerConfig: docker)
            try await credentials.store(registry: registry.host, username: LocalRegistry.user, password: LocalRegistry.password)
            try await pull(registry, credentials: credentials)
        }
    }
}
