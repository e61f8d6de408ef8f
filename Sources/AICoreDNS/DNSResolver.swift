import AICoreAddresses

/// What the resolver does with one query, decided from the records alone (no I/O): answer it
/// here, forward it unchanged to the upstreams, or drop it.
public enum DNSDecision: Hashable, Sendable {
    case answer(DNSMessage)
    case forward
    case drop
}

/// The resolver's rules, pure so that they are tested without sockets.
public enum DNSResolver {
    /// Our answers have TTL 0: a client that caches never keeps a replica that is gone.
    public static let ttl: UInt32 = 0
    /// The EDNS payload size our own answers offer.
    public static let ednsPayloadSize: UInt16 = 1232

    /// The decision for `bytes`, a query from an instance attached to `networks`. `rotation`
    /// picks where a name's list of addresses starts (a counter per query: round robin).
    public static func decide(_ bytes: [UInt8], records: DNSRecordSet, networks: [String], rotation: Int) -> DNSDecision {
        guard let header = DNSMessage.header(of: bytes) else { return .drop }
        // A response sent to us is not a question: answering it could start a loop.
        guard header.flags & 0x8000 == 0 else { return .drop }
        let query: DNSMessage
        do {
            query = try DNSMessage(decoding: bytes)
        } catch {
            return .answer(reply(id: header.id, flags: header.flags, code: .formatError))
        }
        guard query.opcode == 0 else { return .answer(reply(to: query, code: .notImplemented)) }
        guard query.questions.count == 1, let question = query.questions.first else {
            return .answer(reply(to: query, code: .formatError))
        }
        guard question.questionClass == DNSRecord.internetClass else { return .forward }

        if question.type == .ptr, let address = reverseAddress(question.name) {
            guard let name = records.name(of: address, on: networks), let target = DNSName(name) else { return .forward }
            var response = reply(to: query, code: .noError)
            response.answers = [DNSRecord(name: question.name, type: .ptr, ttl: ttl, data: .name(target))]
            return .answer(response)
        }
        if question.type == .ptr, let address = reverseAddress6(question.name) {
            guard let name = records.name(of: address, on: networks), let target = DNSName(name) else { return .forward }
            var response = reply(to: query, code: .noError)
            response.answers = [DNSRecord(name: question.name, type: .ptr, ttl: ttl, data: .name(target))]
            return .answer(response)
        }
        guard let addresses = records.addresses(of: question.name, on: networks) else { return .forward }
        var response = reply(to: query, code: .noError)
        // Every other type of one of our names has no data: NODATA, never forwarded, or a
        // client asking A and AAAA at once would wait on the upstream for the AAAA.
        if question.type == .a, !addresses.isEmpty {
            let start = rotation % addresses.count
            let rotated = addresses[start...] + addresses[..<start]
            response.answers = rotated.map { DNSRecord(name: question.name, type: .a, ttl: ttl, data: .ipv4($0)) }
        }
        // IPv6 addresses only for names on `enable_ipv6` networks; a VIP (IPv4 only) has none.
        if question.type == .aaaa, let addresses6 = records.addresses6(of: question.name, on: networks), !addresses6.isEmpty {
            let start = rotation % addresses6.count
            let rotated = addresses6[start...] + addresses6[..<start]
            response.answers = rotated.map { DNSRecord(name: question.name, type: .aaaa, ttl: ttl, data: .ipv6($0)) }
        }
        return .answer(response)
    }

    /// A response to `query` with its question, no records yet, and `code`.
    public static func reply(to query: DNSMessage, code: DNSResponseCode) -> DNSMessage {
        var response = reply(id: query.id, flags: query.flags, code: code)
        response.questions = query.questions
        if query.ednsPayloadSize != nil { response.additionals = [.opt(payloadSize: ednsPayloadSize)] }
        return response
    }

    static func reply(id: UInt16, flags: UInt16, code: DNSResponseCode) -> DNSMessage {
        // Keep the opcode and RD of the query; set QR and RA; clear the rest.
        var response = DNSMessage(id: id, flags: flags & 0x7900)
        response.isResponse = true
        response.recursionAvailable = true
        response.responseCode = code
        return response
    }

    /// The address a reverse name (`4.3.2.1.in-addr.arpa`) stands for.
    static func reverseAddress(_ name: DNSName) -> IPv4Address? {
        let parts = name.key.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[4] == "in-addr", parts[5] == "arpa" else { return nil }
        return IPv4Address(parts[0..<4].reversed().joined(separator: "."))
    }

    /// The address a reverse name under ip6.arpa (32 nibbles, last first) stands for.
    static func reverseAddress6(_ name: DNSName) -> IPv6Address? {
        let parts = name.key.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 34, parts[32] == "ip6", parts[33] == "arpa" else { return nil }
        var bytes: [UInt8] = []
        let nibbles = parts[0..<32].reversed().map { UInt8($0, radix: 16) }
        guard nibbles.allSatisfy({ $0 != nil }), parts[0..<32].allSatisfy({ $0.count == 1 }) else { return nil }
        for index in stride(from: 0, to: 32, by: 2) { bytes.append((nibbles[index] ?? 0) << 4 | (nibbles[index + 1] ?? 0)) }
        return IPv6Address(bytes: bytes)
    }

    /// The largest answer a UDP client takes: 512 bytes, or what its EDNS OPT offers.
    public static func udpLimit(of query: DNSMessage?) -> Int {
        max(512, min(query?.ednsPayloadSize ?? 512, 65_535))
    }
}
