import AICoreSystem
import Foundation

/// `Fixtures/token_server.py`: Docker's token authentication for docker-registry, RS256 JWTs
/// signed with a certificate it makes, which the registry trusts as its `rootcertbundle`.
public struct TokenServer: Sendable {
    public let port: Int
    public let process: ServerProcess
    public let certificate: String
    /// One JSON object per request it got.
    public let requestLog: String
    public let service = "aicore-test-registry"
    public let issuer = "aicore-test-issuer"

    public var realm: String { "http://127.0.0.1:\(port)/token" }

    /// `users`: who may log in (every action on every repository); `publicPrefixes`: the
    /// repositories anyone may pull; `refreshTokens`: identity tokens and their users.
    public static func start(
        in directory: TemporaryDirectory, users: [String: String], publicPrefixes: [String], refreshTokens: [String: String] = [:]
    ) async throws -> TokenServer {
        let port = try TestPort.next()
        let certificate = directory.file("token-issuer.pem")
        let requestLog = directory.file("token-requests.jsonl")
        var arguments = [TestSupportFiles.path("token_server.py"), "--port", "\(port)", "--cert", certificate, "--log", requestLog]
        for (user, password) in users.sorted(by: { $0.key < $1.key }) { arguments += ["--user", "\(user):\(password)"] }
        for prefix in publicPrefixes { arguments += ["--public", prefix] }
        for (token, user) in refreshTokens.sorted(by: { $0.key < $1.key }) { arguments += ["--refresh-token", "\(token):\(user)"] }
        // Debian's python3, which has python3-cryptography (not whatever python3 PATH finds).
        let process = try ServerProcess.start("token server", "/usr/bin/python3", arguments, log: directory.file("token-server.log"))
        do {
            try await process.waitUntilAnswering("http://127.0.0.1:\(port)/health")
        } catch {
            await process.stop()
            throw error
        }
        return TokenServer(port: port, process: process, certificate: certificate, requestLog: requestLog)
    }

    /// The requests it got (health checks left out).
    public func requests() throws -> [[String: Any]] {
        guard let bytes = try FileIO.readIfExists(requestLog) else { return [] }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }.filter { ($0["path"] as? String) != "/health" }
    }

    public func stop() async {
        await process.stop()
    }
}
