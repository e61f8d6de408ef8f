import AICoreErrors
import Foundation
import Synchronization

/// One run of buildah, its output (stdout and stderr, interleaved as buildah writes them) passed
/// on line by line as it comes. Spawning, reading and waiting block, so they run on a thread of
/// their own, never on the cooperative pool; cancelling the calling task kills buildah.
struct BuildahProcess: Sendable {
    var executable: String
    var arguments: [String]
    var environment: [String: String]

    struct Outcome: Sendable {
        var status: Int32
        /// The last lines buildah wrote (at most `keptLines`), for the error that names its failure.
        var tail: [String]
    }

    static let keptLines = 40

    /// The running buildah's pid, and whether the caller gave up: shared by the thread that
    /// runs it and the task's cancellation handler.
    private final class Running: Sendable {
        let state = Mutex<(pid: pid_t?, cancelled: Bool)>((nil, false))
    }

    func run(line: @escaping @Sendable (String) -> Void) async throws(AICoreError) -> Outcome {
        let running = Running()
        let result: Result<Outcome, AICoreError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                Thread.detachNewThread {
                    continuation.resume(returning: Result { () throws(AICoreError) in try runBlocking(running, line: line) })
                }
            }
        } onCancel: {
            // SIGKILL: a build step may take minutes to notice a SIGTERM, and nobody waits for it.
            running.state.withLock { state in
                state.cancelled = true
                if let pid = state.pid { kill(pid, SIGKILL) }
            }
        }
        if Task.isCancelled { throw AICoreError(.cancelled, "the build was cancelled") }
        return try result.get()
    }

    private func runBlocking(_ running: Running, line: @escaping @Sendable (String) -> Void) throws(AICoreError) -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        do {
            try running.state.withLock { state in
                guard !state.cancelled else { throw AICoreError(.cancelled, "the build was cancelled") }
                try process.run()
                state.pid = process.processIdentifier
            }
        } catch let error as AICoreError {
            throw error
        } catch {
            throw AICoreError(.buildFailed, "cannot run \(executable): \(error); is buildah installed (apt-get install buildah)?", cause: error)
        }
        // The parent's copy of the write end must go, or the read below never sees the end.
        try? output.fileHandleForWriting.close()
        var tail: [String] = []
        var pending = Data()
        func emit(_ bytes: Data) {
            let text = String(decoding: bytes, as: UTF8.self)
            line(text)
            tail.append(text)
            if tail.count > Self.keptLines { tail.removeFirst(tail.count - Self.keptLines) }
        }
        let reader = output.fileHandleForReading
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                emit(pending[pending.startIndex..<newline])
                pending.removeSubrange(pending.startIndex...newline)
            }
        }
        if !pending.isEmpty { emit(pending) }
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, tail: tail)
    }
}
