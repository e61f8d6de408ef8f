/// Linux capability names, as Compose writes them (without the `CAP_` prefix).
public enum Capabilities {
    public static let all: Set<String> = [
        "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
        "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
        "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
        "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
        "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
        "CHECKPOINT_RESTORE",
    ]

    /// `cap_net_admin`, `CAP_NET_ADMIN` and `NET_ADMIN` all name NET_ADMIN; `ALL` stands for every one.
    public static func normalize(_ name: String) -> String? {
        var upper = name.trimmingCharacters(in: .whitespaces).uppercased()
        if upper.hasPrefix("CAP_") { upper.removeFirst(4) }
        if upper == "ALL" || all.contains(upper) { return upper }
        return nil
    }
}
