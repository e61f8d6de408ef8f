import AICoreAddresses

/// A DNS message (RFC 1035), as much of it as the resolver reads and writes: the header, the
/// questions and the records of each section. Record data the resolver does not interpret is
/// kept as raw bytes.
public struct DNSMessage: Hashable, Sendable {
    public var id: UInt16
    /// The header's second 16 bits: QR, opcode, AA, TC, RD, RA, Z and the response code.
    public var flags: UInt16
    public var questions: [DNSQuestion]
    public var answers: [DNSRecord]
    public var authorities: [DNSRecord]
    public var additionals: [DNSRecord]

    public init(id: UInt16, flags: UInt16 = 0, questions: [DNSQuestion] = [], answers: [DNSRecord] = [],
                authorities: [DNSRecord] = [], additionals: [DNSRecord] = []) {
        self.id = id
        self.flags = flags
        self.questions = questions
        self.answers = answers
        self.authorities = authorities
        self.additionals = additionals
    }

    public static let headerLength = 12

    public var isResponse: Bool {
        get { flags & 0x8000 != 0 }
        set { flags = newValue ? flags | 0x8000 : flags & ~0x8000 }
    }

    public var opcode: UInt8 { UInt8(flags >> 11 & 0xF) }

    public var isAuthoritative: Bool {
        get { flags & 0x0400 != 0 }
        set { flags = newValue ? flags | 0x0400 : flags & ~0x0400 }
    }

    public var isTruncated: Bool {
        get { flags & 0x0200 != 0 }
        set { flags = newValue ? flags | 0x0200 : flags & ~0x0200 }
    }

    public var recursionDesired: Bool {
        get { flags & 0x0100 != 0 }
        set { flags = newValue ? flags | 0x0100 : flags & ~0x0100 }
    }

    public var recursionAvailable: Bool {
        get { flags & 0x0080 != 0 }
        set { flags = newValue ? flags | 0x0080 : flags & ~0x0080 }
    }

    public var responseCode: DNSResponseCode {
        get { DNSResponseCode(rawValue: UInt8(flags & 0xF)) }
        set { flags = flags & ~0xF | UInt16(newValue.rawValue & 0xF) }
    }

    /// The UDP payload size the sender's EDNS OPT record offers, if it has one.
    public var ednsPayloadSize: Int? {
        additionals.first { $0.type == .opt }.map { Int($0.recordClass) }
    }
}

public struct DNSQuestion: Hashable, Sendable {
    public var name: DNSName
    public var type: DNSRecordType
    public var questionClass: UInt16

    public init(name: DNSName, type: DNSRecordType, questionClass: UInt16 = DNSRecord.internetClass) {
        self.name = name
        self.type = type
        self.questionClass = questionClass
    }
}

public struct DNSRecord: Hashable, Sendable {
    public static let internetClass: UInt16 = 1

    public var name: DNSName
    public var type: DNSRecordType
    /// The class; for an OPT record, the sender's UDP payload size.
    public var recordClass: UInt16
    /// The TTL; for an OPT record, the extended response code, version and flags.
    public var ttl: UInt32
    public var data: DNSRecordData

    public init(name: DNSName, type: DNSRecordType, recordClass: UInt16 = DNSRecord.internetClass, ttl: UInt32, data: DNSRecordData) {
        self.name = name
        self.type = type
        self.recordClass = recordClass
        self.ttl = ttl
        self.data = data
    }

    /// An EDNS OPT pseudo-record offering `payloadSize` bytes over UDP, with no options.
    public static func opt(payloadSize: UInt16) -> DNSRecord {
        DNSRecord(name: DNSName(labels: []), type: .opt, recordClass: payloadSize, ttl: 0, data: .raw([]))
    }
}

/// Record data: the kinds the resolver answers with, and everything else as written.
public enum DNSRecordData: Hashable, Sendable {
    case ipv4(IPv4Address)
    case ipv6(IPv6Address)
    /// A name (PTR, CNAME, NS): decompressed when read, compressible when written.
    case name(DNSName)
    case raw([UInt8])
}

public struct DNSRecordType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    public static let a = DNSRecordType(rawValue: 1)
    public static let ns = DNSRecordType(rawValue: 2)
    public static let cname = DNSRecordType(rawValue: 5)
    public static let soa = DNSRecordType(rawValue: 6)
    public static let ptr = DNSRecordType(rawValue: 12)
    public static let mx = DNSRecordType(rawValue: 15)
    public static let txt = DNSRecordType(rawValue: 16)
    public static let aaaa = DNSRecordType(rawValue: 28)
    public static let srv = DNSRecordType(rawValue: 33)
    public static let opt = DNSRecordType(rawValue: 41)
    public static let any = DNSRecordType(rawValue: 255)

    /// Types whose data is one domain name, which may be compressed on the wire.
    var dataIsName: Bool { self == .ptr || self == .cname || self == .ns }

    public var description: String {
        switch self {
        case .a: "A"
        case .ns: "NS"
        case .cname: "CNAME"
        case .soa: "SOA"
        case .ptr: "PTR"
        case .mx: "MX"
        case .txt: "TXT"
        case .aaaa: "AAAA"
        case .srv: "SRV"
        case .opt: "OPT"
        case .any: "ANY"
        default: "TYPE\(rawValue)"
        }
    }
}

public struct DNSResponseCode: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let noError = DNSResponseCode(rawValue: 0)
    public static let formatError = DNSResponseCode(rawValue: 1)
    public static let serverFailure = DNSResponseCode(rawValue: 2)
    public static let nameError = DNSResponseCode(rawValue: 3)
    public static let notImplemented = DNSResponseCode(rawValue: 4)
    public static let refused = DNSResponseCode(rawValue: 5)
}
