/// A dotted-quad IPv4 address, for loopback and CIDR checks (no DNS: a name is not an address).
struct IPv4Address: Hashable {
    var octets: [UInt8]

    init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let value = UInt8(part) else { return nil }
            octets.append(value)
        }
        self.octets = octets
    }

    var value: UInt32 { octets.reduce(0) { $0 << 8 | UInt32($1) } }
}

/// An IPv4 network in CIDR notation.
struct IPv4Network: Hashable {
    var address: IPv4Address
    var prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let address = IPv4Address(String(parts[0])), let prefix = Int(parts[1]), (0...32).contains(prefix) else {
            return nil
        }
        self.address = address
        self.prefix = prefix
    }

    func contains(_ other: IPv4Address) -> Bool {
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix)
        return address.value & mask == other.value & mask
    }
}
