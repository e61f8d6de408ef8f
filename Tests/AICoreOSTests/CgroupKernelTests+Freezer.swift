import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing
@testable import AICoreOS

#if canImport(Glibc)
import Glibc
#endif

/// `pause` and `unpause` against the real kernel: v1 on this machine, v2 in the VM of
/// scripts/test-cgroup-v2.sh.
extension CgroupKernelTests {
    /// The process's state letter, `/proc/PID/status` `State:`.
    static func processState(_ pid: pid_t) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix("State:") }?
            .dropFirst("State:".count).trimmingCharacters(in: .whitespaces).first.map(String.init)
    }

    /// A frozen group's busy process stops running (its CPU time stands still across a CPU-bound
    /// read of its stat), the kernel says FROZEN (v1) / frozen 1 (v2), and after a thaw it runs
    /// again; a SIGKILL then still ends it.
    @Test func aFrozenCgroupsProcessStopsAndRunsAgainWhenThawed() async throws {
        let manager = self.manager
        try await withCgroup(CgroupLimits()) { handle in
            let child = try Child("while :; do :; done")
            defer { child.reap() }
            try await offload { try manager.addProcess(child.pid, to: handle) }
            try child.start()

            try await offload { try manager.setFrozen(true, handle) }
            #expect(try await offload { try manager.isFrozen(handle) })
            switch manager.version {
            case .v1: #expect(try kernelValue(handle, "freezer.state") == "FROZEN")
            case .v2: #expect(try kernelValue(handle, "cgroup.events")?.contains("frozen 1") == true)
            }
            // Frozen tasks sleep in the freezer: never R (running). The kernel shows them D
            // (v1's refrigerator) or S/T (v2's), by version.
            let state = Self.processState(child.pid)
            #expect(state != nil && state != "R", "state \(state ?? "?")")
            let pid = child.pid
            let before = try await offload { try Self.cpuTicks(pid) }
            let after = try await offload { try Self.cpuTicks(pid) }
            #expect(before == after, "a frozen process uses no CPU")

            try await offload { try manager.setFrozen(false, handle) }
            #expect(try await offload { try manager.isFrozen(handle) } == false)
            let runsAgain = await eventually(within: .seconds(10)) {
                ((try? await offload { try Self.cpuTicks(pid) }) ?? 0) > before
            }
            #expect(runsAgain, "the thawed loop uses CPU again")
            _ = kill(child.pid, SIGKILL)
            await child.ended()
            #expect(child.terminationSignal == SIGKILL)
        }
    }

    /// Thawing a group that is not frozen changes nothing and succeeds.
    @Test func thawingAThawedCgroupIsANoOp() async throws {
        let manager = self.manager
        try await withCgroup(CgroupLimits()) { handle in
            try await offload { try manager.setFrozen(false, handle) }
            #expect(try await offload { try manager.isFrozen(handle) } == false)
        }
    }

    /// utime + stime (/proc/PID/stat fields 14 and 15), in clock ticks. Reading it again
    /// after spinning through a few thousand reads gives a running loop time to use a tick.
    static func cpuTicks(_ pid: pid_t) throws -> UInt64 {
        var last: UInt64 = 0
        for _ in 0..<2000 {
            let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
            guard let close = stat.lastIndex(of: ")") else { throw HarnessError("no ) in /proc/\(pid)/stat") }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // fields[0] is field 3 (state): utime is field 14, stime 15.
            last = (UInt64(fields[11]) ?? 0) + (UInt64(fields[12]) ?? 0)
        }
        return last
    }

    struct HarnessError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
