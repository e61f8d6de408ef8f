import AICoreErrors
import AICoreTestSupport
import Foundation
import Testing
@testable import AICoreImages

/// Serialized: the tests count the token server's requests per scope, which another test
/// pulling the same repository at the same time would add to.
@Suite("Token authentication against a real docker-registry and an RS256 token server", .localRegistry(.token), .serialized)
struct RegistryTokenAuthTests {
    /// Resolves, fetches the manifest and every blob of `name`, and checks them.
    private func pull(_ registry: LocalRegistry, _ name: String, credentials: RegistryCredentials = .none) async throws {
        let reference = try registry.reference(name)
        let directory = try TemporaryDirectory("token-pull")
        try await cleaningUp([directory]) {
            let manifest = try await TestClient.with(credentials: credentials) { client in
                let descriptor = try await client.resolve(reference)
                #expect(descriptor.digest == (try registry.digest(of: name)))
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

    /// The token requests made for `repository`'s pull scope since `count` were logged.
    private func tokenRequests(_ registry: LocalRegistry, repository: String, after count: Int) throws -> [[String: Any]] {
        let server = try #require(registry.tokenServer)
        return try server.requests().dropFirst(count).filter { request in
            let query = request["query"] as? [String: [String]]
            let form = request["form"] as? [String: [String]]
            return (query?["scope"] ?? form?["scope"] ?? []).contains("repository:\(repository):pull")
        }
    }

    @Test("Anonymous pull of a public repository: an anonymous token, fetched once and reused")
    func anonymousPublic() async throws {
        let registry = try LocalRegistry.require()
        let before = try #require(registry.tokenServer).requests().count
        try await pull(registry, "public/app:v1")
        let requests = try tokenRequests(registry, repository: "public/app", after: before)
        // One token for resolve, manifest and the three blobs: cached until it expires.
        #expect(requests.count == 1)
        #expect(requests.first?["authorization"] as? Bool == false)
        #expect((requests.first?["query"] as? [String: [String]])?["service"] == ["aicore-test-registry"])
    }

    @Test("Anonymous pull of a private repository: .registryAuth saying to log in")
    func anonymousPrivate() async throws {
        let registry = try LocalRegistry.require()
        let reference = try registry.reference("private/app:v1")
        let error = await thrownError { _ = try await TestClient.with { try await $0.resolve(reference) } }
        #expect(error?.code == .registryAuth)
        #expect(error?.message == "resolving \(reference): registry \(registry.host) requires credentials to pull private/app (HTTP 401) and none were found; log in with aicore-node login \(registry.host)")
    }

    @Test("Good credentials: the token server gets them as Basic, the registry only the token")
    func goodCredentials() async throws {
        let registry = try LocalRegistry.require()
        let directory = try TemporaryDirectory("token-good")
        try await cleaningUp([directory]) {
            let path = try await DockerConfig.write(DockerConfig.auths([registry.host: (LocalRegistry.user, LocalRegistry.password)]), as: "config.json", in: directory)
            let before = try #require(registry.tokenServer).requests().count
            try await pull(registry, "private/app:v1", credentials: RegistryCredentials(dockerConfig: path))
            let requests = try tokenRequests(registry, repository: "private/app", after: before)
            #expect(requests.count == 1)
            #expect(requests.first?["authorization"] as? Bool == true)
            #expect((requests.first?["query"] as? [String: [String]])?["account"] == [LocalRegistry.user])
        }
    }

    @Test("An identity token is exchanged with OAuth2's refresh-token grant (a POST)")
    func identityToken() async throws {
        let registry = try LocalRegistry.require()
        let directory = try TemporaryDirectory("token-identity")
        try await cleaningUp([directory]) {
            let config = "{\"auths\": {\"\(registry.host)\": {\"identitytoken\": \"\(LocalRegistry.identityToken)\"}}}"
            let path = try await DockerConfig.write(config, as: "config.json", in: directory)
            let before = try #require(registry.tokenServer).requests().count
            try await pull(registry, "private/app:v1", credentials: RegistryCredentials(dockerConfig: path))
            let requests = try tokenRequests(registry, repository: "private/app", after: before)
            #expect(requests.count == 1)
            #expect(requests.first?["method"] as? String == "POST")
            #expect((requests.first?["form"] as? [String: [String]])?["grant_type"] == ["refresh_token"])
        }
    }

    @Test("Wrong credentials: the token server refuses them, .registryAuth naming the user")
    func wrongCredentials() async throws {
        let registry = try LocalRegistry.require()
        let directory = try TemporaryDirectory("token-wrong")
        try await cleaningUp([directory]) {
            let path = try await DockerConfig.write(DockerConfig.auths([registry.host: ("alice", "guess")]), as: "config.json", in: directory)
            let reference = try registry.reference("private/app:v1")
            let error = await thrownError {
                _ = try await TestClient.with(credentials: RegistryCredentials(dockerConfig: path)) { try await $0.resolve(reference) }
            }
            #expect(error?.code == .registryAuth)
            #expect(error?.message == "resolving \(reference): registry \(registry.host) refused the credentials for user \"alice\" (HTTP 401); check them with aicore-node login \(registry.host)")
        }
    }
}
