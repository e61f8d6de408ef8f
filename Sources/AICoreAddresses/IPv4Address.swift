/// A dotted-quad IPv4 address (no DNS: a name is not an address).
public struct IPv4Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The address in host order.
    public var value: UInt32

    public init(_ value: UInt32) {
        self.value = value
    }

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }), let octet = UInt8(part) else { return nil }
            value = value << 8 | UInt32(octet)
        }
        self.value = value
    }

    public var octets: [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)] }

    public var description: String { octets.map(String.init).joined(separator: ".") }

    public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.value < b.value }
}

/// An IPv4 network in CIDR notation; its address is kept as written (`10.0.0.5/24` contains
/// what `10.0.0.0/24` does).
public struct IPv4Network: Hashable, Sendable, CustomStringConvertible {
    public var address: IPv4Address
    public var prefix: Int

    public init(address: IPv4Address, prefix: Int) {
        self.address = address
        self.prefix = max(0, min(32, prefix))
    }

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPv4Address(parts[0]), parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
              let prefix = Int(parts[1]), (0...32).contains(prefix) else {
            return nil
        }
        self.address = address
        self.prefix = prefix
    }

    public var mask: UInt32 { prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix) }
    /// The network's first address (its address with the host bits cleared).
    public var first: IPv4Address { IPv4Address(address.value & mask) }
    public var last: IPv4Address { IPv4Address(address.value | ~mask) }
    /// How many addresses it spans.
    public var size: UInt64 { UInt64(1) << UInt64(32 - prefix) }

    public func contains(_ other: IPv4Address) -> Bool {
        address.value & mask == other.value & mask
    }

    public func overlaps(_ other: IPv4Network) -> Bool {
        contains(other.first) || other.contains(first)
    }

    public var description: String { "\(address)/\(prefix)" }
}

/// A value written as its text in JSON (`"10.220.0.2"`, `"10.220.0.0/24"`), as people read it
/// in a state file.
public protocol CodableAsText: Codable, CustomStringConvertible {
    init?(text: String)
}

extension CodableAsText {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(text: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a valid \(Self.self): \(text)"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension IPv4Address: CodableAsText {
    public init?(text: String) { self.init(text) }
}

extension IPv4Network: CodableAsText {
    public init?(text: String) { self.init(text) }
}
