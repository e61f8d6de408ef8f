import AICoreErrors
import AICoreTestSupport
import Foundation
import Testing
@testable import AICoreImages

/// `verifyLogin`, what `aicore-node login` checks before it stores anything, against the same
/// real registries the pulls are tested with (htpasswd and token authentication).
extension RegistryBasicAuthTests {
    @Test("login, Basic: the right password is accepted, under any spelling of the server")
    func loginAccepted() async throws {
        let registry = try LocalRegistry.require()
        for server in [registry.host, "http://\(registry.host)", "\(registry.host)/"] {
            try await TestClient.with { client in
                try await client.verifyLogin(registry: server, username: LocalRegistry.user, password: LocalRegistry.password)
            }
        }
    }

    @Test("login, Basic: a wrong password is one line naming the registry, never the password")
    func loginRefused() async throws {
        try await expectWrongPasswordRefused()
    }

    @Test("login to a port where nothing listens: the client's unreachable error")
    func loginUnreachable() async throws {
        let host = "127.0.0.1:\(try TestPort.next())"
        // AsyncHTTPClient retries a refused connection until the connect timeout: a short one.
        var options = TestClient.fast
        options.connectTimeout = .seconds(1)
        let error = await thrownError {
            try await TestClient.with(options: options) { try await $0.verifyLogin(registry: host, username: "alice", password: "pw") }
        }
        #expect(error?.code == .unreachable)
        #expect(error?.message.hasPrefix("login to \(host): ") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("check the registry address and the network") == true, "\(error?.message ?? "")")
    }
}

extension RegistryTokenAuthTests {
    @Test("login, token: Basic credentials to the token service with account and no scope, then the token on /v2/")
    func loginAccepted() async throws {
        let registry = try LocalRegistry.require()
        let server = try #require(registry.tokenServer)
        let before = try server.requests().count
        try await TestClient.with { client in
            try await client.verifyLogin(registry: registry.host, username: LocalRegistry.user, password: LocalRegistry.password)
        }
        let requests = try server.requests().dropFirst(before)
        #expect(requests.count == 1)
        let query = requests.first?["query"] as? [String: [String]]
        #expect(requests.first?["authorization"] as? Bool == true)
        #expect(query?["account"] == [LocalRegistry.user])
        #expect(query?["service"] == [server.service])
        #expect(query?["scope"] == nil)
    }

    @Test("login, token: a wrong password is one line naming the registry, never the password")
    func loginRefused() async throws {
        try await expectWrongPasswordRefused()
    }
}

/// A wrong password against this suite's registry (Basic or token): one line naming the
/// registry, never the password.
private func expectWrongPasswordRefused() async throws {
        let registry = try LocalRegistry.require()
        let error = await thrownError {
            try await TestClient.with { try await $0.verifyLogin(registry: registry.host, username: LocalRegistry.user, password: "s3cret-guess") }
        }
        #expect(error?.code == .registryAuth)
        #expect(error?.message == "login to \(registry.host) failed: the registry refused the username or password")
        #expect(!"\(String(describing: error))".contains("s3cret-guess"))
}
