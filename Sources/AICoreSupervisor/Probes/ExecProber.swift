import AICoreOS
import AICoreRuntime

#if canImport(Glibc)
import Glibc
#endif

/// Runs a command inside the instance through `TaskDriver.exec` (its namespaces, cgroup, user,
/// capabilities and seccomp), collects its output, and SIGKILLs it at the timeout.
/// Runs a command inside an instance (its namespaces, cgroup and user) and collects its
/// output: exec healthchecks and probes, and `aicore-node exec`.
public struct ExecProber: Sendable {
    public var driver: any TaskDriver
    public var command: [String]
    /// Output beyond this many bytes (stdout and stderr together) is dropped.
    public var outputLimit: Int = ProbeOutcome.maxOutputBytes

    public init(driver: any TaskDriver, command: [String], outputLimit: Int = ProbeOutcome.maxOutputBytes) {
        self.driver = driver
        self.command = command
        self.outputLimit = outputLimit
    }

    private enum Ending: Sendable {
        case exited(WaitStatus)
        case timedOut
        case lost
    }

    public func check(_ handle: TaskHandle, timeout: Duration) async -> ProbeOutcome {
        let started = ContinuousClock.now
        let readEnd: Int32, writeEnd: Int32
        do {
            (readEnd, writeEnd) = try FileIO.pipe()
        } catch {
            return ProbeOutcome(passed: false, output: error.description)
        }
        let process: ExecProcess
        do {
            process = try await driver.exec(handle, ExecSpec(command: command, stdoutFD: writeEnd, stderrFD: writeEnd))
            close(writeEnd)
        } catch {
            close(writeEnd)
            close(readEnd)
            let code = (error as? RuntimeError)?.exitCode
            return ProbeOutcome(passed: false, exitCode: code, output: "exec \(command.first ?? ""): \(error)")
        }
        // The reader ends at EOF, or shortly after the deadline when a child the check left
        // behind still holds the pipe.
        let readDeadline = started + timeout + .milliseconds(200)
        let limit = outputLimit
        let reader = Task { try await BlockingWork.run { Self.readAll(readEnd, until: readDeadline, limit: limit) } }

        let ending = await withTaskGroup(of: Ending.self) { group in
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
            var result = Ending.lost
            while let next = await group.next() {
                if case .lost = next { continue }
                result = next
                break
            }
            group.cancelAll()
            return result
        }
        var status: WaitStatus?
        switch ending {
        case let .exited(s): status = s
        case .timedOut, .lost:
            _ = try? process.pidfd.sendSignal(SIGKILL)
            status = try? await process.wait()
        }
        let output = ((try? await reader.value) ?? "")
        if case .timedOut = ending {
            return ProbeOutcome(passed: false, output: "timeout after \(DurationText.format(timeout))" + (output.isEmpty ? "" : ": " + output))
        }
        guard let status else { return ProbeOutcome(passed: false, output: "lost the check's process") }
        return ProbeOutcome(passed: status == .exited(0), exitCode: status.exitCode, output: output)
    }

    /// Reads a pipe to EOF (or the deadline), keeping the first `ProbeOutcome.maxOutputBytes`.
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
