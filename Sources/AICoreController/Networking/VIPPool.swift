/// Which addresses of 127.0.0.0/8 may be VIPs, and the lowest one still free: a pure rule, so
/// allocation is deterministic and testable without a Store.
///
/// Left out: 127.0.0.0/24 (127.0.0.1 is every host's localhost, and software assumes the rest
/// of that /24), 127.0.1.1 (Debian maps the hostname to it in /etc/hosts), addresses ending in
/// .0 or .255 (some clients treat them as network or broadcast addresses), and 127.255.255.255.
public enum VIPPool {
    /// 127.0.1.0: the first address after 127.0.0.0/24.
    public static let first: UInt32 = 0x7F00_0100
    /// 127.255.255.254: the last before the /8 broadcast address.
    public static let last: UInt32 = 0x7FFF_FFFE

    public static func isAssignable(_ vip: VIP) -> Bool {
        let low = vip.value & 0xFF
        return vip.value >= first && vip.value <= last && vip.value != 0x7F00_0101 && low != 0 && low != 255
    }

    /// The lowest assignable address not in `used` at or after `start` (wrapping around to
    /// `first`), or nil when the pool is exhausted.
    public static func lowestFree(excluding used: Set<VIP>, from start: UInt32 = first) -> VIP? {
        let origin = min(max(start, first), last)
        var candidate = origin
        while candidate <= last {
            if let vip = VIP(value: candidate), isAssignable(vip), !used.contains(vip) { return vip }
            candidate += 1
        }
        candidate = first
        while candidate < origin {
            if let vip = VIP(value: candidate), isAssignable(vip), !used.contains(vip) { return vip }
            candidate += 1
        }
        return nil
    }

    /// Where an agent whose state lives in `stateDirectory` starts allocating: a /24 of its
    /// own, the same on every start, so that two agents on one host (a system agent and an
    /// embedded one, or tests) almost never hand out the same address.
    public static func start(forStateDirectory stateDirectory: String) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in stateDirectory.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        // 127.X.Y.1 with X.Y in 1.0 ... 254.255: never 127.0.x.
        let block = 256 + hash % (254 * 256)
        return 0x7F00_0000 | (block << 8) | 1
    }
}
