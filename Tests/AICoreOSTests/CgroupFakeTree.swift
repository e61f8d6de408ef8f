import AICoreSystem
import Foundation
@testable import AICoreOS

/// A temporary directory laid out like cgroupfs: directories holding control files as plain files.
/// The managers never create files, so a write lands only where the test put a file, and a missing
/// file behaves like a missing controller (ENOENT).
final class CgroupFakeTree {
    let root: String

    init() throws {
        let template = FileManager.default.temporaryDirectory.appendingPathComponent("aicore-cgfake-XXXXXX").path
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else { throw SystemError.errno(errno, "mkdtemp \(template)") }
        root = String(cString: made)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    func path(_ relative: String) -> String {
        relative.isEmpty ? root : root + "/" + relative
    }

    /// mkdir -p `relative` and create each file with its content.
    func directory(_ relative: String, files: [String: String] = [:]) throws {
        try FileManager.default.createDirectory(atPath: path(relative), withIntermediateDirectories: true)
        for (name, content) in files {
            try content.write(toFile: path(relative) + "/" + name, atomically: false, encoding: .utf8)
        }
    }

    func write(_ content: String, to relative: String) throws {
        try content.write(toFile: path(relative), atomically: false, encoding: .utf8)
    }

    func contents(_ relative: String) -> String? {
        try? String(contentsOfFile: path(relative), encoding: .utf8)
    }

    func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: path(relative))
    }

    func remove(_ relative: String) throws {
        try FileManager.default.removeItem(atPath: path(relative))
    }

    /// The control files of a fresh v1 cgroup, per hierarchy, with the kernel's defaults.
    static let v1Files: [String: [String: String]] = [
        "memory": [
            "cgroup.procs": "", "memory.limit_in_bytes": "9223372036854771712\n",
            "memory.memsw.limit_in_bytes": "9223372036854771712\n", "memory.usage_in_bytes": "0\n",
            "memory.max_usage_in_bytes": "0\n", "memory.failcnt": "0\n",
            "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
        ],
        "cpu": [
            "cgroup.procs": "", "cpu.cfs_period_us": "100000\n", "cpu.cfs_quota_us": "-1\n", "cpu.shares": "1024\n",
            "cpu.stat": "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n",
        ],
        "cpuacct": ["cgroup.procs": "", "cpuacct.usage": "0\n"],
        "pids": ["cgroup.procs": "", "pids.max": "max\n", "pids.current": "0\n"],
        "freezer": ["cgroup.procs": "", "freezer.state": "THAWED\n"],
        "devices": ["cgroup.procs": "", "devices.allow": "", "devices.deny": ""],
    ]

    /// Lays out `<root>/<controller>/<relativePath>` for every v1 hierarchy in `controllers`.
    func layOutV1(_ relativePath: String, controllers: [String] = CgroupV1Manager.controllers) throws {
        for controller in controllers {
            try directory(controller)
            try directory(controller + "/" + relativePath, files: Self.v1Files[controller] ?? [:])
        }
    }

    /// The control files of a v2 cgroup below the root.
    static let v2LeafFiles: [String: String] = [
        "cgroup.controllers": "cpu memory pids\n", "cgroup.subtree_control": "\n", "cgroup.procs": "",
        "cgroup.events": "populated 0\nfrozen 0\n", "cgroup.kill": "", "cgroup.freeze": "0\n",
        "memory.max": "max\n", "memory.swap.max": "max\n", "cpu.max": "max 100000\n", "cpu.weight": "100\n",
        "pids.max": "max\n", "cpu.stat": "usage_usec 0\nuser_usec 0\nsystem_usec 0\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n",
        "memory.current": "0\n", "memory.peak": "0\n",
        "memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n", "pids.current": "0\n",
    ]

    /// Lays out a v2 root (all controllers, none enabled) and every directory down to `relativePath`.
    func layOutV2(_ relativePath: String, under parent: String = "") throws {
        try directory("", files: [
            "cgroup.controllers": "cpuset cpu io memory hugetlb pids rdma misc\n", "cgroup.subtree_control": "\n", "cgroup.procs": "1\n",
        ])
        var current = ""
        for component in (parent.split(separator: "/") + relativePath.split(separator: "/")) {
            current += (current.isEmpty ? "" : "/") + component
            try directory(current, files: Self.v2LeafFiles)
        }
    }
}
