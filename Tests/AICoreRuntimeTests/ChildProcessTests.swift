import AICoreTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The test suite's own child processes: a hung one cannot hang the run.
@Suite struct ChildProcessTests {
    @Test func aChildStillRunningAtTheDeadlineIsKilledWithWhatItPrinted() throws {
        let output = try ChildProcess.run("/bin/sh", ["-c", "echo before; exec sleep 30"], timeout: .milliseconds(300))
        #expect(output.timedOut)
        #expect(output.termination == .signaled(SIGKILL))
        #expect(output.stdout == "before\n")
    }

    /// As an instance's init does for `aicore-node run`: a descendant holds the output open
    /// after the child itself is gone.
    @Test func aDescendantHoldingTheOutputDoesNotHoldTheCaller() throws {
        let output = try ChildProcess.run("/bin/sh", ["-c", "sleep 30 & echo $!; wait"], timeout: .milliseconds(300))
        defer { if let descendant = Int32(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) { kill(descendant, SIGKILL) } }
        #expect(output.timedOut)
        #expect(output.termination == .signaled(SIGKILL))
        #expect(Int32(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) != nil, "\(output.stdout)")
    }

    @Test func aChildThatEndsInTimeIsNotKilled() throws {
        let output = try ChildProcess.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], timeout: .seconds(30))
        #expect(!output.timedOut)
        #expect(output.termination == .exited(3))
        #expect(output.stdout == "out\n" && output.stderr == "err\n")
    }
}
