/// Compose's short port syntax: `"80"`, `"8080:80"`, `"127.0.0.1:8080:80/tcp"`, `"127.0.0.1::80"`,
/// `"[::1]:8080:80"`, `"8000-8001:80-81"`. Ranges expand into one mapping per port.
enum PortSyntax {
    static func parse(_ text: String) -> Result<[PortMapping], DecodeFailure> {
        var body = Substring(text.trimmingCharacters(in: .whitespaces))
        var transport = PortMapping.TransportProtocol.tcp
        if let slash = body.lastIndex(of: "/") {
            let name = String(body[body.index(after: slash)...]).lowercased()
            guard let parsed = PortMapping.TransportProtocol(rawValue: name) else {
                return .failure(DecodeFailure("unknown protocol \"\(name)\"; expected tcp, udp or sctp"))
            }
            transport = parsed
            body = body[..<slash]
        }
        var hostIP: String?
        var parts: [Substring]
        if body.hasPrefix("[") {
            guard let close = body.firstIndex(of: "]") else {
                return .failure(DecodeFailure("unclosed [ in an IPv6 host address"))
            }
            hostIP = String(body[body.index(after: body.startIndex)..<close])
            let rest = body[body.index(after: close)...]
            guard rest.hasPrefix(":") else {
                return .failure(DecodeFailure("expected :PUBLISHED:TARGET after the IPv6 address"))
            }
            parts = rest.dropFirst().split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                return .failure(DecodeFailure("expected [IP]:PUBLISHED:TARGET"))
            }
        } else {
            parts = body.split(separator: ":", omittingEmptySubsequences: false)
            if parts.count == 3 {
                hostIP = String(parts[0])
                parts.removeFirst()
            } else if parts.count > 3 {
                return .failure(DecodeFailure("too many colons; write an IPv6 host address in brackets, like [::1]:8080:80"))
            }
        }
        let publishedText: Substring? = parts.count == 2 ? parts[0] : nil
        guard let targetText = parts.last, let target = range(targetText) else {
            return .failure(DecodeFailure("expected a container port or range (1-65535) in \"\(text)\""))
        }
        var published: ClosedRange<Int>?
        if let publishedText, !publishedText.isEmpty {
            guard let parsed = range(publishedText) else {
                return .failure(DecodeFailure("expected a host port or range (1-65535) in \"\(text)\""))
            }
            published = parsed
        }
        if let ip = hostIP, ip.isEmpty { hostIP = nil }
        return expand(target: target, published: published, hostIP: hostIP, transport: transport, text: text)
    }

    static func expand(
        target: ClosedRange<Int>, published: ClosedRange<Int>?, hostIP: String?,
        transport: PortMapping.TransportProtocol, text: String, mode: PortMapping.Mode = .ingress,
        name: String? = nil, appProtocol: String? = nil
    ) -> Result<[PortMapping], DecodeFailure> {
        if let published, target.count > 1, published.count != target.count {
            return .failure(
                DecodeFailure("the host range and the container range of \"\(text)\" differ in length"))
        }
        var result: [PortMapping] = []
        for (offset, port) in target.enumerated() {
            var hostRange = published
            if let published, target.count > 1 {
                hostRange = (published.lowerBound + offset)...(published.lowerBound + offset)
            }
            result.append(
                PortMapping(
                    name: name, target: port, published: hostRange, hostIP: hostIP, transport: transport, mode: mode,
                    appProtocol: appProtocol))
        }
        return .success(result)
    }

    /// "8080" or "8000-8010", each port in 1...65535.
    static func range(_ text: Substring) -> ClosedRange<Int>? {
        let pieces = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(pieces.count) else { return nil }
        let numbers = pieces.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard numbers.count == pieces.count, numbers.allSatisfy({ (1...65535).contains($0) }) else { return nil }
        guard let low = numbers.first, let high = numbers.last, low <= high else { return nil }
        return low...high
    }
}

/// A problem found while decoding one value, to be located by the caller.
struct DecodeFailure: Error, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
}
