import Foundation
@testable import AICoreOS

/// Facts about the machine the cgroup tests run on.
enum CgroupTestEnvironment {
    static let isRoot = getuid() == 0

    /// Root, with systemd as PID 1, cgroup v2 and systemd answering on D-Bus: what systemd's
    /// cgroup driver needs (asks the bus once).
    static let systemdAnswers: Bool = {
        guard isRoot, let layout = try? CgroupDetection.layout() else { return false }
        let reason = SystemdHost.probe(layout: layout).unavailableReason
        print("CgroupSystemdManagerKernelTests: \(reason.map { "skipped: \($0)" } ?? "systemd with cgroup v2 answers")")
        return reason == nil
    }()

    /// A relative path nobody else uses: `aicore-test-<pid>-<random>/<leaf>`.
    static func uniquePath(_ leaf: String = "instance") -> String {
        "aicore-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))/\(leaf)"
    }
}
