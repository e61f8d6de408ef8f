/// An IPv4 address in 127.0.0.0/8 that names one service on the node (its virtual IP).
public struct VIP: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The address as a host-order integer: 127.0.1.2 is 0x7F00_0102.
    public let value: UInt32

    public init?(value: UInt32) {
        guard value >> 24 == 127 else { return nil }
        self.value = value
    }

    /// Parses a dotted quad in 127.0.0.0/8.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, let octet = UInt8(part) else { return nil }
            value = value << 8 | UInt32(octet)
        }
        self.init(value: value)
    }

    public var description: String {
        [24, 16, 8, 0].map { String((value >> UInt32($0)) & 0xFF) }.joined(separator: ".")
    }

    public static func < (lhs: VIP, rhs: VIP) -> Bool { lhs.value < rhs.value }
}
