import AICoreErrors
import AICoreSystem
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The kernel settings bridge networks need, written in the calling thread's network namespace
/// (`/proc/sys/net` is that thread's namespace's). Each is listed in docs/operations.md.
public enum Sysctl {
    /// `net.ipv4.ip_forward=1`: instances reach beyond their bridge (masquerade) only through
    /// a forwarding host. Written only when it is not already on.
    public static func enableForwarding() throws(AICoreError) {
        try set("/proc/sys/net/ipv4/ip_forward", "1")
    }

    /// `net.ipv6.conf.all.forwarding=1`: the same for IPv6, written only when an IPv6 network
    /// has a way out. As Docker does, and with the same cost: a host that forwards IPv6 stops
    /// taking router advertisements on interfaces with `accept_ra=1` (set `accept_ra=2` on the
    /// uplink of a host that configures itself by SLAAC).
    public static func enableIPv6Forwarding() throws(AICoreError) {
        try set("/proc/sys/net/ipv6/conf/all/forwarding", "1")
    }

    /// `net.ipv6.conf.<link>.disable_ipv6=0`: the bridge of an `enable_ipv6` network, and an
    /// instance's interface on it, take IPv6 addresses (a link with IPv6 disabled refuses them).
    public static func enableIPv6(on link: String) throws(AICoreError) {
        try set("/proc/sys/net/ipv6/conf/\(link)/disable_ipv6", "0")
    }

    /// `net.ipv6.conf.<bridge>.accept_dad=0`: an IPv6 bridge's link-local address is usable at
    /// once. While it is `tentative` (a second or more after the first port comes up) the kernel
    /// sends no neighbour solicitation from the bridge at all, so the host could neither forward
    /// to an instance nor answer one it had not heard from. The address comes from the bridge's
    /// pinned MAC on a segment of ours: there is no duplicate to detect.
    public static func disableDAD(on link: String) throws(AICoreError) {
        try set("/proc/sys/net/ipv6/conf/\(link)/accept_dad", "0")
    }

    /// `net.ipv6.conf.<bridge>.disable_ipv6=1`: a bridge of an IPv4-only network gets no
    /// link-local IPv6 address, so instances cannot talk IPv6 past the IPv4 rules.
    public static func disableIPv6(on link: String) throws(AICoreError) {
        try set("/proc/sys/net/ipv6/conf/\(link)/disable_ipv6", "1", missingIsFine: true)
    }

    /// `net.ipv4.conf.<link>.arp_notify=1` on an instance's interface: it announces its address
    /// (gratuitous ARP) as it comes up. An instance started again keeps its address on a new
    /// link with a new MAC, and the bridge's side would otherwise send to the old MAC until its
    /// ARP entry expires (up to a minute).
    public static func announceAddress(on link: String) throws(AICoreError) {
        try set("/proc/sys/net/ipv4/conf/\(link)/arp_notify", "1")
    }

    /// `net.ipv4.ip_unprivileged_port_start=0` in an instance's own namespace.
    public static func allowUnprivilegedPorts() throws(AICoreError) {
        try set("/proc/sys/net/ipv4/ip_unprivileged_port_start", "0", missingIsFine: true)
    }

    static func set(_ path: String, _ value: String, missingIsFine: Bool = false) throws(AICoreError) {
        // procfs files say they are empty: read what there is, not what stat says.
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT, missingIsFine { return }
            throw AICoreError(.systemCall, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = read(fd, &buffer, buffer.count)
        if count > 0, String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == value { return }
        // At offset 0: with the default sysctl_writes_strict, a write past the start is ignored.
        let bytes = Array((value + "\n").utf8)
        do {
            try bytes.withUnsafeBytes { raw in Result { () throws(SystemError) in try FileIO.writeAll(fd, raw, at: 0, path: path) } }.get()
        } catch {
            throw AICoreError(.systemCall, "cannot set \(path) to \(value): \(error)", cause: error)
        }
    }
}
