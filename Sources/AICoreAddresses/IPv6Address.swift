/// An IPv6 address (no zone, no DNS: a name is not an address), written as RFC 5952 says:
/// lowercase, no leading zeros, the longest run of two or more zero groups as `::`.
public struct IPv6Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The first 64 bits, in host order.
    public var high: UInt64
    /// The last 64 bits (the interface identifier of a /64), in host order.
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Network byte order, as netlink and sockets take it.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        high = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        low = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// `fd00::1`, `2001:db8:0:0:0:0:0:1`, `::ffff:10.0.0.1`; no zone (`%eth0`), no brackets.
    public init?(_ text: some StringProtocol) {
        let text = String(text)
        guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
        var groups: [UInt16] = []
        var gap: Int?
        let halves = text.split(separator: "::", omittingEmptySubsequences: false)
        guard halves.count <= 2 else { return nil }
        for (index, half) in halves.enumerated() {
            if index == 1 { gap = groups.count }
            guard !half.isEmpty else { continue }
            let pieces = half.split(separator: ":", omittingEmptySubsequences: false)
            for (position, piece) in pieces.enumerated() {
                // An IPv4 tail (`::ffff:10.0.0.1`) is the last two groups.
                if position == pieces.count - 1, index == halves.count - 1, piece.contains(".") {
                    guard let v4 = IPv4Address(piece) else { return nil }
                    groups.append(UInt16(v4.value >> 16))
                    groups.append(UInt16(v4.value & 0xffff))
                    continue
                }
                guard (1...4).contains(piece.count), piece.allSatisfy(\.isHexDigit), let group = UInt16(piece, radix: 16) else { return nil }
                groups.append(group)
            }
        }
        if let gap {
            // `::` stands for at least one zero group.
            guard groups.count <= 7 else { return nil }
            groups.insert(contentsOf: [UInt16](repeating: 0, count: 8 - groups.count), at: gap)
        }
        guard groups.count == 8 else { return nil }
        high = groups[0..<4].reduce(0) { $0 << 16 | UInt64($1) }
        low = groups[4..<8].reduce(0) { $0 << 16 | UInt64($1) }
    }

    /// The eight 16-bit groups, first to last.
    public var groups: [UInt16] {
        (0..<4).map { UInt16(truncatingIfNeeded: high >> UInt64(48 - 16 * $0)) }
            + (0..<4).map { UInt16(truncatingIfNeeded: low >> UInt64(48 - 16 * $0)) }
    }

    /// Network byte order.
    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * $0)) }
    }

    public var description: String {
        let groups = self.groups
        // An IPv4-mapped address keeps its dotted tail (RFC 5952 section 5).
        if high == 0, low >> 32 == 0xffff {
            return "::ffff:" + IPv4Address(UInt32(truncatingIfNeeded: low)).description
        }
        // The longest run of zero groups (the first of equals), if at least two long.
        var best: Range<Int>?
        var start: Int?
        for index in 0...8 {
            if index < 8, groups[index] == 0 {
                if start == nil { start = index }
            } else if let begun = start {
                if index - begun >= 2, index - begun > (best?.count ?? 0) { best = begun..<index }
                start = nil
            }
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        guard let best else { return hex(0..<8) }
        return hex(0..<best.lowerBound) + "::" + hex(best.upperBound..<8)
    }

    public static func < (a: IPv6Address, b: IPv6Address) -> Bool { (a.high, a.low) < (b.high, b.low) }

    /// `self + offset`, wrapping within the 128 bits.
    public func adding(_ offset: UInt64) -> IPv6Address {
        let (sum, carry) = low.addingReportingOverflow(offset)
        return IPv6Address(high: carry ? high &+ 1 : high, low: sum)
    }

    /// The reverse-lookup name under `ip6.arpa` (nibbles, last first), without a trailing dot.
    public var reverseName: String {
        bytes.reversed().flatMap { [String($0 & 0xf, radix: 16), String($0 >> 4, radix: 16)] }.joined(separator: ".") + ".ip6.arpa"
    }
}

/// An IPv6 network in CIDR notation; its address is kept as written (`fd00::5/64` contains
/// what `fd00::/64` does).
public struct IPv6Network: Hashable, Sendable, CustomStringConvertible {
    public var address: IPv6Address
    public var prefix: Int

    public init(address: IPv6Address, prefix: Int) {
        self.address = address
        self.prefix = max(0, min(128, prefix))
    }

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPv6Address(parts[0]), !parts[1].isEmpty, parts[1].count <= 3,
              parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let prefix = Int(parts[1]), (0...128).contains(prefix) else {
            return nil
        }
        self.address = address
        self.prefix = prefix
    }

    /// The prefix's bits set, as two halves.
    private var masks: (high: UInt64, low: UInt64) {
        func mask(_ bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? ~0 : ~UInt64(0) << UInt64(64 - bits) }
        return (mask(prefix), mask(prefix - 64))
    }

    /// The network's first address (its address with the host bits cleared).
    public var first: IPv6Address {
        let (high, low) = masks
        return IPv6Address(high: address.high & high, low: address.low & low)
    }

    public var last: IPv6Address {
        let (high, low) = masks
        return IPv6Address(high: address.high | ~high, low: address.low | ~low)
    }

    /// The network itself, its address's host bits cleared.
    public var normalized: IPv6Network { IPv6Network(address: first, prefix: prefix) }

    public func contains(_ other: IPv6Address) -> Bool {
        let (high, low) = masks
        return address.high & high == other.high & high && address.low & low == other.low & low
    }

    public func overlaps(_ other: IPv6Network) -> Bool {
        contains(other.first) || other.contains(first)
    }

    /// The `n`th address of the network (0 is its first), or nil past its end; 64 bits of
    /// offset reach every host of a /64.
    public func address(at n: UInt64) -> IPv6Address? {
        let hostBits = 128 - prefix
        if hostBits < 64, n >> UInt64(hostBits) != 0 { return nil }
        return first.adding(n)
    }

    public var description: String { "\(address)/\(prefix)" }
}

extension IPv6Address: CodableAsText {
    public init?(text: String) { self.init(text) }
}

extension IPv6Network: CodableAsText {
    public init?(text: String) { self.init(text) }
}
