import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing

/// `login` and `logout` through the real CLI and agent, against Debian's docker-registry with
/// token authentication (the RS256 token server of AICoreTestSupport) holding a private image:
/// token authentication through the agent, end to end. One registry and one agent for the whole
/// flow: each step depends on what the one before left.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: the agent unpacks the image's layers"))
struct RegistryLoginEndToEndTests {
    static let user = "alice"
    static let password = "wonderland-7"

    @Test func aPrivateImageIsPulledOnlyAfterALoginThatTheRegistryAccepted() async throws {
        let registryDirectory = try TemporaryDirectory("login-e2e")
        let tokens = try await TokenServer.start(in: registryDirectory, users: [Self.user: Self.password], publicPrefixes: [])
        let registry: RegistryServer
        do {
            registry = try await RegistryServer.start(auth: .token(tokens), in: registryDirectory)
        } catch {
            await tokens.stop()
            await registryDirectory.remove()
            throw error
        }
        do {
            try await AgentHarness.with { harness in try await flow(harness, host: registry.host) }
        } catch {
            await registry.stop()
            await tokens.stop()
            await registryDirectory.remove()
            throw error
        }
        await registry.stop()
        await tokens.stop()
        await registryDirectory.remove()
    }

    private func flow(_ harness: AgentHarness, host: String) async throws {
        try await ImageEndToEndTests.pushImages(to: host, in: harness.directory, credentials: "\(Self.user):\(Self.password)")
        let authFile = harness.directory + "/state/auth.json"

        // Anonymous: the registry wants credentials, and the message says how to give them.
        let anonymous = try await harness.cli(["image", "pull", "\(host)/demo/web:1"])
        #expect(anonymous.status == 1)
        #expect(anonymous.stderr.contains("aicore-node login \(host)"), "\(anonymous.stderr)")

        // Refused before the agent is asked: no terminal to prompt on, or no user for stdin.
        let noPassword = try await harness.cli(["login", host, "-u", Self.user])
        #expect(noPassword.status == 2)
        #expect(noPassword.stderr == "aicore-node: login needs a password and stdin is not a terminal; pass it with --password-stdin\n")
        let noUser = try await harness.cli(["login", host, "--password-stdin"], input: Self.password + "\n")
        #expect(noUser.status == 2)
        #expect(noUser.stderr.contains("--password-stdin needs the user name in --username (-u)"), "\(noUser.stderr)")

        // A wrong password: one line, nothing stored. -p works, with Docker's warning.
        let wrong = try await harness.cli(["login", host, "-u", Self.user, "-p", "not-the-password"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr == """
            WARNING! Using --password via the CLI is insecure. Use --password-stdin.
            aicore-node: login to \(host) failed: the registry refused the username or password

            """)
        #expect(!FileIO.exists(authFile))
        let wrongStdin = try await harness.cli(["login", host, "-u", Self.user, "--password-stdin"], input: "not-the-password\n")
        #expect(wrongStdin.status == 1)
        #expect(wrongStdin.stderr == "aicore-node: login to \(host) failed: the registry refused the username or password\n")
        #expect(!wrongStdin.stderr.contains("not-the-password"))
        #expect(!FileIO.exists(authFile))

        // The right one (a server spelt as a URL is the same registry): stored 0600 in the
        // agent's own file, and never in what the agent logged.
        let right = try await harness.cli(["login", "http://\(host)/", "-u", Self.user, "--password-stdin"], input: Self.password + "\n")
        #expect(right.status == 0, "\(right.stderr)")
        #expect(right.stdout == "Login Succeeded\n")
        var info = stat()
        #expect(stat(authFile, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let stored = try JSONSerialization.jsonObject(with: Data(try FileIO.readString(authFile).utf8)) as? [String: Any]
        let entry = (stored?["auths"] as? [String: Any])?[host] as? [String: String]
        #expect(entry?["auth"] == Data("\(Self.user):\(Self.password)".utf8).base64EncodedString())
        #expect(!harness.agentLog.contains(Self.password))

        // The agent's pulls use it at once: token authentication through the agent.
        let pulled = try await harness.cli(["image", "pull", "-q", "\(host)/demo/web:1"])
        #expect(pulled.status == 0, "\(pulled.stderr)\n\(harness.agentLog.suffix(2000))")
        #expect(pulled.stdout == "\(host)/demo/web:1\n")

        // Logout forgets it, in the file and in the agent's pulls; a second one has nothing to do.
        let logout = try await harness.cli(["logout", host])
        #expect(logout.status == 0, "\(logout.stderr)")
        #expect(logout.stdout == "Removing login credentials for \(host)\n")
        let remaining = try JSONSerialization.jsonObject(with: Data(try FileIO.readString(authFile).utf8)) as? [String: Any]
        #expect((remaining?["auths"] as? [String: Any])?[host] == nil)
        let again = try await harness.cli(["logout", host])
        #expect(again.status == 0)
        #expect(again.stdout == "Not logged in to \(host)\n")
        let afterLogout = try await harness.cli(["image", "pull", "\(host)/demo/web:2"])
        #expect(afterLogout.status == 1)
        #expect(afterLogout.stderr.contains("aicore-node login \(host)"), "\(afterLogout.stderr)")
    }
}
