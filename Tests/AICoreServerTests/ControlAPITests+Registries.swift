import AICoreSystem
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import AICoreServer

/// `/v1/registries/login` and `/logout` up to the registry: what is refused before any registry
/// is contacted, and what a logout does to the agent's own credentials file. A login that
/// reaches a registry is RegistryLoginEndToEndTests'.
extension ControlAPITests {
    @Test func registryLoginRefusesABadBodyUnchangedAndLogoutForgetsOnlyTheNamedRegistry() async throws {
        try await ControlAPIHarness.with { harness in
            let authFile = harness.directory + "/auth.json"
            try await harness.test { client in
                let refused: [(body: String, detail: String)] = [
                    ("{", "the body is not the JSON this endpoint expects"),
                    (#"{"username": "alice"}"#, "missing `password`"),
                    (#"{"username": "", "password": "s3cret"}"#, "login to docker.io: a username is required"),
                    (#"{"username": "alice", "password": ""}"#, "login to docker.io: a password is required"),
                    (#"{"registry": "not a host", "username": "alice", "password": "s3cret"}"#, "\"not a host\" is not a registry host[:port]"),
                ]
                for (body, detail) in refused {
                    let response = try await client.execute(uri: "/v1/registries/login", method: .post, headers: Self.json, body: ByteBuffer(string: body))
                    let problem = try expectProblem(response, .badRequest)
                    #expect(problem.detail.contains(detail), "\(problem.detail)")
                    #expect(!problem.detail.contains("s3cret"))
                }
                #expect(!FileIO.exists(authFile))

                // Not logged in: nothing to remove, and no file made for it. No body is Docker Hub.
                let nothing = try await client.execute(uri: "/v1/registries/logout", method: .post)
                #expect(nothing.status == .ok, "\(nothing.text)")
                #expect(try nothing.json(RegistryLogout.self) == RegistryLogout(registry: "docker.io", removed: false))
                #expect(!FileIO.exists(authFile))

                // A server spelt as a URL names the same registry; the other entries and keys stay.
                try FileIO.write(authFile, #"{"auths": {"127.0.0.1:5999": {"auth": "YTpi"}, "keep.example": {"auth": "Yzpk"}}, "credsStore": ""}"#, mode: 0o600)
                let removed = try await client.execute(uri: "/v1/registries/logout", method: .post, headers: Self.json,
                                                       body: ByteBuffer(string: #"{"registry": "http://127.0.0.1:5999/"}"#))
                #expect(removed.status == .ok, "\(removed.text)")
                #expect(try removed.json(RegistryLogout.self) == RegistryLogout(registry: "127.0.0.1:5999", removed: true))
                let left = try JSONSerialization.jsonObject(with: Data(try FileIO.readString(authFile).utf8)) as? [String: Any]
                #expect((left?["auths"] as? [String: Any]).map { Array($0.keys) } == ["keep.example"])
                #expect(left?["credsStore"] as? String == "")

                let bad = try await client.execute(uri: "/v1/registries/logout", method: .post, headers: Self.json, body: ByteBuffer(string: #"{"registry": 5}"#))
                try expectProblem(bad, .badRequest)
            }
        }
    }
}
