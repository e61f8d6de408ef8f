import AICoreAddresses
import Testing
@testable import AICoreDNS

@Suite struct DNSResolverTests {
    static let postgres = IPv4Address("10.220.0.5")!
    static let api1 = IPv4Address("10.220.0.7")!
    static let api2 = IPv4Address("10.220.0.8")!

    /// A stack "demo" on its default network, and another network the asker is not on.
    static var records: DNSRecordSet {
        var demo = DNSNetworkRecords()
        demo.set("postgres", to: [postgres])
        demo.set("db", to: [postgres])
        demo.set("demo-postgres-1", to: [postgres])
        demo.setPointer(postgres, to: "demo-postgres-1")
        demo.set("api", to: [api1, api2])
        demo.set("api-idle", to: [])
        var other = DNSNetworkRecords()
        other.set("secret", to: [IPv4Address("10.221.0.2")!])
        return DNSRecordSet(networks: ["demo_default": demo, "other_default": other], searchDomains: ["corp.example"])
    }

    static func query(_ name: String, _ type: DNSRecordType = .a, id: UInt16 = 0x4242, edns: Bool = false) -> [UInt8] {
        var message = DNSMessage(id: id, questions: [DNSQuestion(name: DNSName(name)!, type: type)])
        message.recursionDesired = true
        if edns { message.additionals = [.opt(payloadSize: 4096)] }
        return message.encoded()
    }

    static func decide(_ bytes: [UInt8], networks: [String] = ["demo_default"], rotation: Int = 0) -> DNSDecision {
        DNSResolver.decide(bytes, records: records, networks: networks, rotation: rotation)
    }

    static func answer(_ bytes: [UInt8], networks: [String] = ["demo_default"], rotation: Int = 0) throws -> DNSMessage {
        guard case .answer(let message) = decide(bytes, networks: networks, rotation: rotation) else {
            Issue.record("expected an answer, got \(decide(bytes, networks: networks, rotation: rotation))")
            throw CancellationError()
        }
        return message
    }

    static func addresses(_ message: DNSMessage) -> [IPv4Address] {
        message.answers.compactMap { if case .ipv4(let address) = $0.data { address } else { nil } }
    }

    @Test(arguments: ["postgres", "db", "demo-postgres-1", "POSTGRES", "Postgres.", "postgres.corp.example"])
    func aServiceAnAliasAndAnInstanceNameResolveInAnyCaseWithOrWithoutTheDot(_ name: String) throws {
        let response = try Self.answer(Self.query(name))
        #expect(response.id == 0x4242 && response.isResponse && response.recursionDesired && response.recursionAvailable)
        #expect(response.responseCode == .noError)
        #expect(Self.addresses(response) == [Self.postgres])
        #expect(response.answers.allSatisfy { $0.ttl == 0 })
        // The question comes back exactly as asked.
        #expect(response.questions.map(\.name.description) == [DNSName(name)!.description])
    }

    @Test func namesOnlyResolveOnTheNetworksTheAskerIsOn() throws {
        #expect(Self.decide(Self.query("secret")) == .forward)
        #expect(Self.addresses(try Self.answer(Self.query("secret"), networks: ["other_default"])) == [IPv4Address("10.221.0.2")!])
        #expect(Self.addresses(try Self.answer(Self.query("postgres"), networks: ["other_default", "demo_default"])) == [Self.postgres])
        #expect(Self.decide(Self.query("postgres"), networks: []) == .forward)
    }

    @Test func dnsrrAnswersEveryAddressStartingElsewhereEachTime() throws {
        #expect(Self.addresses(try Self.answer(Self.query("api"), rotation: 0)) == [Self.api1, Self.api2])
        #expect(Self.addresses(try Self.answer(Self.query("api"), rotation: 1)) == [Self.api2, Self.api1])
        #expect(Self.addresses(try Self.answer(Self.query("api"), rotation: 2)) == [Self.api1, Self.api2])
    }

    @Test(arguments: [DNSRecordType.aaaa, .mx, .txt, .srv, .any])
    func otherTypesOfOurNamesHaveNoDataAndAreNotForwarded(_ type: DNSRecordType) throws {
        let response = try Self.answer(Self.query("postgres", type))
        #expect(response.responseCode == .noError)
        #expect(response.answers.isEmpty)
    }

    @Test func aServiceWithNoReadyReplicaIsOursWithNoAddress() throws {
        let response = try Self.answer(Self.query("api-idle"))
        #expect(response.responseCode == .noError && response.answers.isEmpty)
    }

    @Test func reverseLookupsOfOurAddressesNameTheInstance() throws {
        let response = try Self.answer(Self.query("5.0.220.10.in-addr.arpa", .ptr))
        #expect(response.answers.map(\.data) == [.name(DNSName("demo-postgres-1")!)])
        // Without a pointer, a name that resolves to the address.
        let api = try Self.answer(Self.query("8.0.220.10.in-addr.arpa", .ptr))
        #expect(api.answers.map(\.data) == [.name(DNSName("api")!)])
        #expect(Self.decide(Self.query("2.0.221.10.in-addr.arpa", .ptr)) == .forward)
        #expect(Self.decide(Self.query("1.1.1.1.in-addr.arpa", .ptr)) == .forward)
    }

    @Test func namesThatAreNotOursAreForwarded() {
        #expect(Self.decide(Self.query("example.org")) == .forward)
        #expect(Self.decide(Self.query("postgres.elsewhere")) == .forward)
        var chaos = DNSMessage(id: 1, questions: [DNSQuestion(name: DNSName("postgres")!, type: .txt, questionClass: 3)])
        chaos.recursionDesired = true
        #expect(Self.decide(chaos.encoded()) == .forward)
    }

    @Test func whatIsNotAPlainQueryIsRefusedOrDropped() throws {
        var response = try DNSMessage(decoding: Self.query("postgres"))
        response.isResponse = true
        #expect(Self.decide(response.encoded()) == .drop)
        #expect(Self.decide([1, 2, 3]) == .drop)

        var update = try DNSMessage(decoding: Self.query("postgres"))
        update.flags |= 5 << 11
        #expect(try Self.answer(update.encoded()).responseCode == .notImplemented)

        var two = try DNSMessage(decoding: Self.query("postgres"))
        two.questions.append(two.questions[0])
        #expect(try Self.answer(two.encoded()).responseCode == .formatError)

        let garbled = try Self.answer(Self.query("postgres", id: 0x7777).prefix(20).map { $0 })
        #expect(garbled.responseCode == .formatError && garbled.id == 0x7777 && garbled.questions.isEmpty)
    }

    @Test func anAnswerTooBigForUDPIsTruncatedUnlessTheClientOffersMore() throws {
        var records = Self.records
        let many = (1...60).map { IPv4Address(0x0ADC_0000 + UInt32($0)) }
        records.networks["demo_default"]?.set("wide", to: many)
        func respond(edns: Bool) throws -> [UInt8] {
            let query = Self.query("wide", edns: edns)
            guard case .answer(let message) = DNSResolver.decide(query, records: records, networks: ["demo_default"], rotation: 0) else {
                throw CancellationError()
            }
            return message.fitted(toUDP: DNSResolver.udpLimit(of: try DNSMessage(decoding: query)))
        }
        let plain = try DNSMessage(decoding: respond(edns: false))
        #expect(plain.isTruncated && plain.answers.isEmpty && plain.questions.count == 1)
        let offered = try DNSMessage(decoding: respond(edns: true))
        #expect(!offered.isTruncated && offered.answers.count == 60)
        #expect(offered.ednsPayloadSize == Int(DNSResolver.ednsPayloadSize))
    }
}
