import AICoreErrors
import Foundation

/// A Docker credential helper, `docker-credential-<name>`: `get` reads a server URL on stdin and
/// prints `{"ServerURL", "Username", "Secret"}`; a `Username` of `<token>` makes `Secret` an
/// identity token. A helper that does not know the server exits non-zero ("credentials not found
/// in native keychain"), which is not an error: there are just no credentials from it.
struct CredentialHelper: Sendable {
    /// The part after `docker-credential-`.
    var name: String
    /// The directories searched for the program, in order (`$PATH` by default).
    var searchPath: [String]
    /// A helper that waits for a prompt nobody answers must not hold a pull forever.
    var timeout: Duration = .seconds(60)

    private struct Answer: Decodable {
        var ServerURL: String?
        var Username: String?
        var Secret: String?
    }

    /// The program's path, or nil when no directory holds an executable of that name.
    var executable: String? {
        // The name comes from a config file: it must not walk out of the search path.
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }), !name.hasPrefix(".") else {
            return nil
        }
        for directory in searchPath where !directory.isEmpty {
            let candidate = directory.hasSuffix("/") ? "\(directory)docker-credential-\(name)" : "\(directory)/docker-credential-\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The credential the helper holds for `serverURL`, or nil when it holds none.
    func get(_ serverURL: String) async throws(AICoreError) -> RegistryCredential? {
        guard let executable else {
            throw AICoreError(.registryAuth, "the credential helper docker-credential-\(name) is not installed (searched \(searchPath.joined(separator: ":"))); install it or remove it from the credentials file")
        }
        let result: Result<Outcome, any Error> = await CredentialHelper.run(executable, arguments: ["get"], input: Array(serverURL.utf8), timeout: timeout)
        let status: Int32
        let output: [UInt8]
        switch result {
        case .success(let outcome):
            guard !outcome.killed else {
                throw AICoreError(.registryAuth, "the credential helper \(executable) did not answer within \(timeout) and was stopped; check that it needs no prompt answered")
            }
            (status, output) = (outcome.status, outcome.output)
        case .failure(let error):
            throw AICoreError(.registryAuth, "cannot run the credential helper \(executable): \(error); check that it is executable", cause: error)
        }
        guard status == 0 else {
            // Docker's helpers say "credentials not found" on stdout and exit 1; so does ours.
            return nil
        }
        let answer: Answer
        do {
            answer = try JSONDecoder().decode(Answer.self, from: Data(output))
        } catch {
            throw AICoreError(.registryAuth, "the credential helper docker-credential-\(name) printed something that is not its JSON answer for \(serverURL); check the helper", cause: error)
        }
        guard let secret = answer.Secret, !secret.isEmpty else { return nil }
        let username = answer.Username ?? ""
        if username == "<token>" { return .identityToken(secret, username: nil) }
        return .basic(username: username, password: secret)
    }

    private struct Outcome: Sendable {
        var status: Int32
        var output: [UInt8]
        /// The timeout passed and the helper was terminated.
        var killed: Bool
    }

    /// Runs the helper on a thread of its own: spawning and waiting for a child blocks, which
    /// neither the cooperative pool nor an event loop may do.
    private static func run(
        _ executable: String, arguments: [String], input: [UInt8], timeout: Duration
    ) async -> Result<Outcome, any Error> {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: Result { try runBlocking(executable, arguments: arguments, input: input, timeout: timeout) })
            }
        }
    }

    private static func runBlocking(_ executable: String, arguments: [String], input: [UInt8], timeout: Duration) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        // The input goes into the pipe before the child exists: it is a few bytes, well within
        // a pipe's buffer, and a helper that exits without reading cannot SIGPIPE us.
        try stdin.fileHandleForWriting.write(contentsOf: Data(input))
        try stdin.fileHandleForWriting.close()
        try process.run()
        let (seconds, attoseconds) = timeout.components
        let deadline = DispatchTime.now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
        // The watchdog has a thread of its own too: a Dispatch queue's threads may all be busy
        // (blocked in someone else's work) just when the helper must be stopped.
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            // SIGKILL, not Process.terminate()'s SIGTERM: the child inherits the spawning
            // thread's signal mask, in which SIGTERM may be blocked.
            if finished.wait(timeout: deadline) == .timedOut, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        finished.signal()
        return Outcome(status: process.terminationStatus, output: Array(output), killed: process.terminationReason == .uncaughtSignal)
    }
}
