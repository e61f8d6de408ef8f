extension PortMapping {
    /// Whether both publish a host port in common: the same protocol, overlapping ranges, and
    /// addresses that meet (the same one, or either is every address).
    public func sharesHostPort(with other: PortMapping) -> Bool {
        guard let mine = published, let theirs = other.published, transport == other.transport, mine.overlaps(theirs) else {
            return false
        }
        return Self.isEveryAddress(hostIP) || Self.isEveryAddress(other.hostIP) || hostIP == other.hostIP
    }

    /// The host side as Compose prints it: `0.0.0.0:8081/tcp`, `127.0.0.1:8000-8001/udp`.
    public var hostPortText: String? {
        guard let publishedText else { return nil }
        let host = hostIP.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "0.0.0.0"
        return "\(host):\(publishedText)/\(transport.rawValue)"
    }

    private static func isEveryAddress(_ address: String?) -> Bool {
        address == nil || address == "0.0.0.0" || address == "::"
    }
}
