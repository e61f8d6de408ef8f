import AICoreOS

#if canImport(Glibc)
import Glibc
#endif

extension TaskDriver {
    public func repeatRun(_ handle: TaskHandle, command: [String], schedule: ExecCheckScheduler.Schedule,
                          notify: @escaping @Sendable () -> Void) -> (any RepeatedRun)? {
        nil
    }

    public nonisolated(nonsending) func run(_ handle: TaskHandle, command: [String], timeout: Duration, outputLimit: Int) async throws -> ExecOutcome {
        try await runThroughExec(handle, command: command, timeout: timeout, outputLimit: outputLimit)
    }

    /// `run` on top of `exec`: a pipe for the output, read on a blocking thread, the process
    /// awaited through its pidfd and SIGKILLed at the timeout.
    public nonisolated(nonsending) func runThroughExec(_ handle: TaskHandle, command: [String], timeout: Duration,
                               outputLimit: Int) async throws -> ExecOutcome {
        let started = ContinuousClock.now
        let (readEnd, writeEnd) = try FileIO.pipe()
        let process: ExecProcess
        do {
            process = try await exec(handle, ExecSpec(command: command, stdoutFD: writeEnd, stderrFD: writeEnd))
            close(writeEnd)
        } catch {
            close(writeEnd)
            close(readEnd)
            throw error
        }
        // The reader ends at EOF, or shortly after the deadline when a child the process left
        // behind still holds the pipe.
        let readDeadline = started + timeout + .milliseconds(200)
        let reader = Task { try await BlockingWork.run { ExecOutputReader.readAll(readEnd, until: readDeadline, limit: outputLimit) } }

        let ending = await withTaskGroup(of: ExecOutcome.Ending.self) { group in
            group.addTask {
                do { return .exited(try await process.wait()) } catch { return .lost }
            }
            group.addTask {
                do {
                    try await Task.sleep(until: started + timeout, clock: .continuous)
                    return .timedOut
                } catch {
                    return .lost
                }
            }
            var result = ExecOutcome.Ending.lost
            while let next = await group.next() {
                if case .lost = next { continue }
                result = next
                break
            }
            group.cancelAll()
            return result
        }
        var final = ending
        if case .exited = ending {} else {
            _ = try? process.pidfd.sendSignal(SIGKILL)
            let status = try? await process.wait()
            if case .lost = ending, let status { final = .exited(status) }
        }
        let output = (try? await reader.value) ?? ""
        return ExecOutcome(ending: final, output: output)
    }
}

/// Reads a pipe to EOF or a deadline, keeping the first `limit` bytes.
enum ExecOutputReader {
    static func readAll(_ fd: Int32, until deadline: ContinuousClock.Instant, limit: Int) -> String {
        defer { close(fd) }
        var kept: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { break }
            let (seconds, attoseconds) = left.components
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let rc = poll(&p, 1, Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1))
            if rc < 0 { if errno == EINTR { continue } else { break } }
            if rc == 0 { break }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR || errno == EAGAIN { continue } else { break } }
            if n == 0 { break }
            if kept.count < limit {
                kept.append(contentsOf: buffer[0..<min(n, limit - kept.count)])
            }
        }
        return String(decoding: kept, as: UTF8.self)
    }
}
