import AICoreAddresses
import AICoreErrors
import Testing
@testable import AICoreDNS

@Suite struct DNSMessageTests {
    static func name(_ text: String) -> DNSName { DNSName(text)! }

    @Test func aResponseWithEveryKindOfRecordReadsBackAsWritten() throws {
        var message = DNSMessage(id: 0xBEEF, questions: [DNSQuestion(name: Self.name("Postgres.demo"), type: .a)])
        message.isResponse = true
        message.recursionDesired = true
        message.responseCode = .nameError
        message.answers = [
            DNSRecord(name: Self.name("Postgres.demo"), type: .a, ttl: 0, data: .ipv4(IPv4Address("10.220.0.5")!)),
            DNSRecord(name: Self.name("www.demo"), type: .cname, ttl: 30, data: .name(Self.name("Postgres.demo"))),
            DNSRecord(name: Self.name("5.0.220.10.in-addr.arpa"), type: .ptr, ttl: 0, data: .name(Self.name("demo-postgres-1"))),
            DNSRecord(name: Self.name("Postgres.demo"), type: .aaaa, ttl: 7, data: .ipv6(IPv6Address(bytes: Array(repeating: 0xFE, count: 16))!)),
            DNSRecord(name: Self.name("Postgres.demo"), type: .txt, ttl: 7, data: .raw([3, 0x61, 0x62, 0x63])),
        ]
        message.additionals = [.opt(payloadSize: 4096)]

        let decoded = try DNSMessage(decoding: message.encoded())
        #expect(decoded == message)
        #expect(decoded.responseCode == .nameError)
        #expect(decoded.recursionDesired && decoded.isResponse && !decoded.isTruncated)
        #expect(decoded.ednsPayloadSize == 4096)
        // The question keeps its letters' case; lookups use the lowercased key.
        #expect(decoded.questions[0].name.description == "Postgres.demo")
        #expect(decoded.questions[0].name.key == "postgres.demo")
    }

    @Test func answerNamesPointAtTheQuestion() {
        var message = DNSMessage(id: 1, questions: [DNSQuestion(name: Self.name("postgres.demo"), type: .a)])
        message.answers = [1, 2].map { DNSRecord(name: Self.name("postgres.demo"), type: .a, ttl: 0, data: .ipv4(IPv4Address($0))) }
        let bytes = message.encoded()
        // Header 12, question 15 + 4, then each answer: a 2-byte pointer to offset 12 + 10 + 4.
        #expect(bytes.count == 12 + 19 + 2 * 16)
        #expect(Array(bytes[31...32]) == [0xC0, 0x0C])
        #expect(Array(bytes[47...48]) == [0xC0, 0x0C])
    }

    @Test func namesCompressCaseInsensitivelyAsDNSComparesThem() throws {
        var message = DNSMessage(id: 3, questions: [DNSQuestion(name: Self.name("Postgres.demo"), type: .a)])
        message.answers = [DNSRecord(name: Self.name("postgres.DEMO"), type: .a, ttl: 0, data: .ipv4(IPv4Address(1)))]
        let decoded = try DNSMessage(decoding: message.encoded())
        #expect(Array(message.encoded()[31...32]) == [0xC0, 0x0C])
        #expect(decoded.answers[0].name.description == "Postgres.demo")
        #expect(decoded.answers[0].name.key == message.answers[0].name.key)
    }

    @Test func aNameSharingASuffixPointsAtThatSuffix() throws {
        var message = DNSMessage(id: 2, questions: [DNSQuestion(name: Self.name("a.example.org"), type: .a)])
        message.answers = [DNSRecord(name: Self.name("b.example.org"), type: .a, ttl: 0, data: .ipv4(IPv4Address(9)))]
        let bytes = message.encoded()
        // "b" then a pointer to "example.org" at offset 12 + 2.
        #expect(Array(bytes[31...34]) == [1, UInt8(ascii: "b"), 0xC0, 14])
        #expect(try DNSMessage(decoding: bytes) == message)
    }

    @Test func namesAreCheckedWhenMade() {
        #expect(DNSName("postgres.")?.key == "postgres")
        #expect(DNSName(".")?.labels == [])
        #expect(DNSName("a..b") == nil)
        #expect(DNSName(String(repeating: "x", count: 64)) == nil)
        #expect(DNSName(Array(repeating: String(repeating: "x", count: 63), count: 4).joined(separator: ".")) == nil)
    }

    static let header: [UInt8] = [0x12, 0x34, 0x01, 0x00]

    /// Bytes that must be refused with an error, never a crash.
    static let malformed: [(String, [UInt8])] = [
        ("empty", []),
        ("a truncated header", [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0]),
        ("a question promised but absent", header + [0, 1, 0, 0, 0, 0, 0, 0]),
        ("a label running past the end", header + [0, 1, 0, 0, 0, 0, 0, 0, 9, 0x61, 0x62, 0, 0, 1, 0, 1]),
        ("a pointer to itself", header + [0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1]),
        ("a pointer forwards", header + [0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 14, 0, 1, 0, 1]),
        ("a pointer back into its own name (a loop)", header + [0, 1, 0, 0, 0, 0, 0, 0, 1, 0x61, 0xC0, 12, 0, 1, 0, 1]),
        ("a reserved label type", header + [0, 1, 0, 0, 0, 0, 0, 0, 0x41, 0x61, 0, 0, 1, 0, 1]),
        ("a name over 255 bytes", header + [0, 1, 0, 0, 0, 0, 0, 0]
            + Array(repeating: [63] + Array(repeating: UInt8(0x61), count: 63), count: 5).flatMap { $0 } + [0, 0, 1, 0, 1]),
        ("counts the message cannot hold", header + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
        ("record data past the end", header + [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 200, 1, 2, 3, 4]),
        ("a PTR whose name does not fill its data", header + [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 12, 0, 1, 0, 0, 0, 0, 0, 3, 0, 0xFF, 0xFF]),
    ]

    @Test(arguments: malformed)
    func malformedMessagesAreRefused(_ what: String, _ bytes: [UInt8]) {
        let error = #expect(throws: AICoreError.self, "\(what)") { try DNSMessage(decoding: bytes) }
        #expect(error?.message.hasPrefix("malformed DNS message: ") == true, "\(what): \(String(describing: error))")
    }

    @Test func randomAndMutatedBytesNeverCrashTheCodecOrTheResolver() {
        var generator = SeededGenerator(seed: 0x5EED)
        var valid = DNSMessage(id: 7, questions: [DNSQuestion(name: Self.name("api.demo.internal"), type: .a)])
        valid.answers = [DNSRecord(name: Self.name("api.demo.internal"), type: .ptr, ttl: 0, data: .name(Self.name("x.demo.internal")))]
        valid.additionals = [.opt(payloadSize: 1232)]
        let template = valid.encoded()
        var records = DNSRecordSet()
        records.networks["n", default: DNSNetworkRecords()].set("api", to: [IPv4Address(1)])
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...80, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            } else {
                bytes = template
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &generator)))
            }
            if let message = try? DNSMessage(decoding: bytes) {
                // Whatever decodes encodes, and reads back the same.
                #expect((try? DNSMessage(decoding: message.encoded())) != nil)
            }
            _ = DNSResolver.decide(bytes, records: records, networks: ["n"], rotation: round)
        }
    }
}

/// A deterministic generator (xorshift64*), so a failing fuzz round is the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed == 0 ? 1 : seed
    }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
}
