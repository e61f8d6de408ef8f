import AICoreAddresses
import Testing
@testable import AICoreDNS

/// On `enable_ipv6` networks: AAAA answers for instance names, hostnames and `dnsrr` services,
/// PTR under ip6.arpa; a VIP service (IPv4 only) keeps an empty AAAA answer.
@Suite struct DNSResolverIPv6Tests {
    static let web1 = IPv4Address("10.220.0.7")!
    static let web2 = IPv4Address("10.220.0.8")!
    static let web1v6 = IPv6Address("fd00:1::7")!
    static let web2v6 = IPv6Address("fd00:1::8")!
    static let vip = IPv4Address("10.220.0.2")!

    static var records: DNSRecordSet {
        var six = DNSNetworkRecords()
        six.set("web", to: [web1, web2])  // dnsrr
        six.set6("web", to: [web1v6, web2v6])
        six.set("six-web-1", to: [web1])
        six.set6("six-web-1", to: [web1v6])
        six.setPointer(web1v6, to: "six-web-1")
        six.set("api", to: [vip])  // a VIP service: no IPv6
        six.set6("api", to: [])
        return DNSRecordSet(networks: ["six_default": six])
    }

    static func answer(_ name: String, _ type: DNSRecordType, rotation: Int = 0) throws -> DNSMessage {
        let query = DNSMessage(id: 7, questions: [DNSQuestion(name: DNSName(name)!, type: type)]).encoded()
        guard case .answer(let message) = DNSResolver.decide(query, records: records, networks: ["six_default"], rotation: rotation) else {
            Issue.record("expected an answer for \(name) \(type)")
            throw CancellationError()
        }
        // What a client reads: the answer survives its own encoding.
        return try DNSMessage(decoding: message.encoded())
    }

    static func ipv6(_ message: DNSMessage) -> [IPv6Address] {
        message.answers.compactMap { if case .ipv6(let address) = $0.data { address } else { nil } }
    }

    @Test func instanceNamesAndDNSRRServicesHaveAAAARecords() throws {
        let instance = try Self.answer("six-web-1", .aaaa)
        #expect(instance.responseCode == .noError)
        #expect(Self.ipv6(instance) == [Self.web1v6])
        #expect(instance.answers.allSatisfy { $0.type == .aaaa && $0.ttl == 0 })
        #expect(Self.ipv6(try Self.answer("web", .aaaa, rotation: 1)) == [Self.web2v6, Self.web1v6])
        // A still answers IPv4 only.
        let a = try Self.answer("six-web-1", .a)
        #expect(a.answers.count == 1 && Self.ipv6(a).isEmpty)
    }

    @Test func aVIPServiceAnswersAOnlyAndAnEmptyAAAA() throws {
        let aaaa = try Self.answer("api", .aaaa)
        #expect(aaaa.responseCode == .noError && aaaa.answers.isEmpty)
        #expect(try Self.answer("api", .a).answers.count == 1)
    }

    @Test func ip6ArpaNamesPointBackToTheInstance() throws {
        let response = try Self.answer(Self.web1v6.reverseName, .ptr)
        #expect(response.answers.map(\.data) == [.name(DNSName("six-web-1")!)])
        #expect(DNSResolver.reverseAddress6(DNSName(Self.web1v6.reverseName)!) == Self.web1v6)
        #expect(DNSResolver.reverseAddress6(DNSName("1.0.ip6.arpa")!) == nil)
        // An address that is not ours goes upstream.
        let stranger = DNSMessage(id: 8, questions: [DNSQuestion(name: DNSName(IPv6Address("fd00:1::99")!.reverseName)!, type: .ptr)]).encoded()
        #expect(DNSResolver.decide(stranger, records: Self.records, networks: ["six_default"], rotation: 0) == .forward)
    }
}
