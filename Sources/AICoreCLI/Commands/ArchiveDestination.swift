import AICoreErrors
import AICoreSystem
import Foundation

/// Where `image save` (and `cp` out of an instance) puts the archive: standard output as it arrives, or a temporary file
/// beside FILE renamed to FILE once the archive is whole.
enum ArchiveDestination: Sendable {
    case standardOutput
    case file(path: String, temporary: String, fd: Int32)

    /// Creates the temporary file now, so that a FILE that cannot be written fails before the
    /// agent does any work.
    static func file(_ path: String) throws(CLIFailure) -> ArchiveDestination {
        let temporary = "\(path).\(FileIO.processSuffix).partial"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw CLIFailure.invalid("cannot write \(path): \(SystemError.last("open \(temporary)"))")
        }
        return .file(path: path, temporary: temporary, fd: fd)
    }

    var path: String? {
        if case .file(let path, _, _) = self { path } else { nil }
    }

    private var notWritten: String { path.map { "; \($0) was not written" } ?? "" }

    /// Writes the response's bytes (in batches, off the cooperative pool) and, for a file,
    /// makes it FILE once the stream ended with the tar's end blocks.
    /// `verb` names the command in a failure's message.
    func write(_ stream: AgentStream, verb: String = "image save") async throws {
        let (fd, name): (Int32, String) = switch self {
        case .standardOutput: (STDOUT_FILENO, "standard output")
        case .file(_, let temporary, let file): (file, temporary)
        }
        var batch: [UInt8] = []
        var tail = TarTail()
        do {
            for try await chunk in stream.chunks {
                tail.append(chunk)
                batch += chunk
                if batch.count >= 1 << 20 {
                    try await Self.write(batch, to: fd, name: name)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            // A cancelled reader sees the stream end early, not fail.
            try Task.checkCancellation()
            try await Self.write(batch, to: fd, name: name)
        } catch let failure as CLIFailure {
            throw failure
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as AICoreError where error.code == .protocolViolation {
            throw CLIFailure.failed("the agent cut the archive short (a damaged blob, or the agent stopping: its log says which)\(notWritten)")
        } catch {
            throw CLIFailure.failed("\(verb): \(error)\(notWritten)")
        }
        guard tail.isComplete else {
            throw CLIFailure.failed("the agent's archive ended without its end blocks\(notWritten)")
        }
        guard case .file(let path, let temporary, let file) = self else { return }
        do {
            try await BlockingWork.run {
                guard fsync(file) == 0 else { throw SystemError.last("fsync \(temporary)") }
                try FileIO.rename(temporary, to: path)
            }
        } catch {
            throw CLIFailure.failed("cannot write \(path): \(error)")
        }
        // Written and synced: a failing close can lose nothing now.
        close(file)
    }

    /// Removes the temporary file of a save that did not finish.
    func discard() {
        guard case .file(_, let temporary, let fd) = self else { return }
        close(fd)
        try? FileIO.removeFile(temporary)
    }

    private static func write(_ bytes: [UInt8], to fd: Int32, name: String) async throws {
        guard !bytes.isEmpty else { return }
        do {
            try await BlockingWork.run { try FileIO.writeAll(fd, bytes, path: name) }
        } catch {
            throw CLIFailure.failed("cannot write \(name): \(error)")
        }
    }

    /// Whether what arrived ends as a tar does: whole 512-byte blocks, the last two of them
    /// zero. A response cut short anywhere else fails this, whatever the connection said.
    struct TarTail {
        private(set) var count: UInt64 = 0
        private var last: [UInt8] = []

        mutating func append(_ chunk: [UInt8]) {
            count += UInt64(chunk.count)
            last += chunk.suffix(1024)
            if last.count > 1024 { last.removeFirst(last.count - 1024) }
        }

        var isComplete: Bool {
            count >= 1024 && count % 512 == 0 && last.count == 1024 && last.allSatisfy { $0 == 0 }
        }
    }
}
