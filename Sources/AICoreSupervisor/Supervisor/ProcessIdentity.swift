import AICoreSystem

/// Checks, from /proc, that a pid still names the instance the Store remembers: the same start
/// time (a reused pid has a later one) and membership of the instance's cgroup.
public enum ProcessIdentity {
    /// /proc/PID/stat field 22, or nil when the process is gone.
    public static func startTime(_ pid: Int32) -> UInt64? {
        guard let text = try? FileIO.readString("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count >= 20 else { return nil }
        return UInt64(fields[19])
    }

    /// Whether /proc/PID/cgroup places the process in `cgroupPath` (in any hierarchy).
    public static func isMember(_ pid: Int32, of cgroupPath: String) -> Bool {
        guard let text = try? FileIO.readString("/proc/\(pid)/cgroup") else { return false }
        let wanted = "/" + cgroupPath.trimmingPrefix("/")
        return text.split(separator: "\n").contains { line in
            guard let path = line.split(separator: ":", maxSplits: 2).last else { return false }
            return path == wanted || path.hasSuffix(wanted)
        }
    }
}

extension String {
    fileprivate func trimmingPrefix(_ prefix: Character) -> Substring {
        var s = Substring(self)
        while s.first == prefix { s = s.dropFirst() }
        return s
    }
}
