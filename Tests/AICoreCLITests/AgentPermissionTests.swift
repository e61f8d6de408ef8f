import AICoreOS
import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The agent's files on the host (issue 13, finding 6): what it makes is root's alone, and it
/// refuses to start with a token file or TLS key that another user could read.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: the agent runs as root"))
struct AgentPermissionTests {
    @Test func theAgentsStoreAndVolumesAreRootsAloneAndItsUmaskIs077() async throws {
        try await AgentHarness.with { harness in
            let state = harness.directory + "/state"
            #expect(Self.mode(state + "/state.db") == 0o600)
            #expect(Self.mode(state + "/volumes") == 0o700)
            let pid = try #require(harness.agent?.pid)
            let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            #expect(status.split(separator: "\n").contains("Umask:\t0077"), "\(status)")
        }
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var tokenMode: mode_t
        var tokenOwner: uid_t = 0
        var keyMode: mode_t?
        /// `TOKEN` and `KEY` stand for the files' paths.
        var message: String
    }

    static let refusals = [
        Refusal(testDescription: "a token file others can read", tokenMode: 0o644,
                message: "the token file TOKEN is readable by others (mode 0644); run: chmod 600 TOKEN"),
        Refusal(testDescription: "a token file its group can read", tokenMode: 0o640,
                message: "the token file TOKEN is readable by its group (mode 0640); run: chmod 600 TOKEN"),
        Refusal(testDescription: "a token file others can write", tokenMode: 0o602,
                message: "the token file TOKEN is open to group or others (mode 0602); run: chmod 600 TOKEN"),
        Refusal(testDescription: "a token file not root's", tokenMode: 0o600, tokenOwner: 4242,
                message: "the token file TOKEN is owned by uid 4242, not root; run: chown root:root TOKEN"),
        Refusal(testDescription: "a TLS key others can read", tokenMode: 0o600, keyMode: 0o644,
                message: "the TLS key KEY is readable by others (mode 0644); run: chmod 600 KEY"),
    ]

    @Test(arguments: refusals)
    func theAgentRefusesToStartWithASecretOthersCouldRead(_ refusal: Refusal) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aicore-secret-\(UUID().uuidString.prefix(8))").path
        try FileIO.makeDirectories(directory)
        defer { try? FileIO.removeTree(directory) }
        let token = directory + "/token", key = directory + "/agent.key"
        try FileIO.write(token, "0123456789abcdef0123456789abcdef\n", mode: refusal.tokenMode)
        #expect(chown(token, refusal.tokenOwner, 0) == 0)
        var arguments = ["agent", "--state-dir", directory + "/state", "--run-dir", directory + "/run",
                         "--log-dir", directory + "/logs", "--socket", directory + "/aicore.sock",
                         "--listen", "127.0.0.1:\(try TestPort.next())", "--token-file", token]
        if let keyMode = refusal.keyMode {
            try FileIO.write(key, "not a key, never read\n", mode: keyMode)
            arguments += ["--tls-cert", directory + "/agent.crt", "--tls-key", key]
        }
        let agent = try ChildProcess.spawn(CommandRunner.binary, arguments)
        // An agent that starts (the defect) would never exit: stop it after a bound.
        let guardTask = Task {
            try await Task.sleep(for: .seconds(60))
            agent.signal(SIGKILL)
        }
        let output = try await offload { agent.collect() }
        guardTask.cancel()
        let message = refusal.message.replacingOccurrences(of: "TOKEN", with: token).replacingOccurrences(of: "KEY", with: key)
        #expect(output.status == 2, "\(output.stderr)")
        #expect(output.stderr.contains(message), "\(output.stderr)")
        #expect(output.stderr.split(separator: "\n").count == 1, "\(output.stderr)")
    }

    static func mode(_ path: String) -> mode_t? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return st.st_mode & 0o7777
    }
}
