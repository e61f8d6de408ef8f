import AICoreAddresses
import AICoreErrors

extension DNSMessage {
    /// Reads a message. Anything malformed (a truncated section, a label running past the end, a
    /// compression pointer that loops or points forward, a name over 255 bytes) is an error, never
    /// a crash: these bytes come from instances and from the network.
    public init(decoding bytes: [UInt8]) throws(AICoreError) {
        var reader = DNSWireReader(bytes)
        id = try reader.uint16()
        flags = try reader.uint16()
        let questionCount = try reader.uint16()
        let answerCount = try reader.uint16()
        let authorityCount = try reader.uint16()
        let additionalCount = try reader.uint16()
        // Each question takes at least 5 bytes and each record 11: counts the message cannot hold
        // are refused before anything is reserved for them.
        let minimum = Int(questionCount) * 5 + (Int(answerCount) + Int(authorityCount) + Int(additionalCount)) * 11
        guard minimum <= reader.remaining else { throw DNSWireReader.malformed("the counts promise more than the message holds") }
        questions = []
        for _ in 0..<questionCount {
            let name = try reader.name()
            let type = DNSRecordType(rawValue: try reader.uint16())
            questions.append(DNSQuestion(name: name, type: type, questionClass: try reader.uint16()))
        }
        answers = try reader.records(Int(answerCount))
        authorities = try reader.records(Int(authorityCount))
        additionals = try reader.records(Int(additionalCount))
    }

    /// The ID and flags of a message too short or too odd to decode whole: enough to answer
    /// FORMERR to the right query, or to match an upstream's answer to ours.
    public static func header(of bytes: [UInt8]) -> (id: UInt16, flags: UInt16)? {
        guard bytes.count >= headerLength else { return nil }
        return (UInt16(bytes[0]) << 8 | UInt16(bytes[1]), UInt16(bytes[2]) << 8 | UInt16(bytes[3]))
    }
}

/// A cursor over a message's bytes.
struct DNSWireReader {
    /// How many compression pointers one name may follow. A name has at most 127 labels, so a
    /// legitimate name never needs more; a loop of pointers runs into this.
    static let maximumPointers = 127

    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var remaining: Int { bytes.count - offset }

    static func malformed(_ why: String) -> AICoreError {
        AICoreError(.corrupt, "malformed DNS message: \(why)")
    }

    mutating func uint8() throws(AICoreError) -> UInt8 {
        guard offset < bytes.count else { throw Self.malformed("it ends at byte \(offset)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func uint16() throws(AICoreError) -> UInt16 {
        UInt16(try uint8()) << 8 | UInt16(try uint8())
    }

    mutating func uint32() throws(AICoreError) -> UInt32 {
        UInt32(try uint16()) << 16 | UInt32(try uint16())
    }

    mutating func take(_ count: Int) throws(AICoreError) -> [UInt8] {
        guard count <= remaining else { throw Self.malformed("a field of \(count) bytes runs past the end") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// A name at the cursor, following compression pointers; the cursor ends after the name's
    /// own bytes (after its first pointer, if it has one).
    mutating func name() throws(AICoreError) -> DNSName {
        var labels: [[UInt8]] = []
        var length = 1
        var position = offset
        var resumeAt: Int?
        var pointers = 0
        while true {
            guard position < bytes.count else { throw Self.malformed("a name runs past the end") }
            let byte = bytes[position]
            switch byte & 0xC0 {
            case 0x00:
                if byte == 0 {
                    offset = resumeAt ?? position + 1
                    return DNSName(labels: labels)
                }
                let count = Int(byte)
                guard position + 1 + count <= bytes.count else { throw Self.malformed("a label runs past the end") }
                length += 1 + count
                guard length <= 255 else { throw Self.malformed("a name is longer than 255 bytes") }
                labels.append(Array(bytes[position + 1...position + count]))
                position += 1 + count
            case 0xC0:
                guard position + 1 < bytes.count else { throw Self.malformed("a compression pointer runs past the end") }
                let target = Int(byte & 0x3F) << 8 | Int(bytes[position + 1])
                // Only backwards, and only so often: a pointer to itself or a cycle ends here.
                guard target < position else { throw Self.malformed("a compression pointer does not point backwards") }
                pointers += 1
                guard pointers <= Self.maximumPointers else { throw Self.malformed("a name follows too many compression pointers") }
                if resumeAt == nil { resumeAt = position + 2 }
                position = target
            default:
                throw Self.malformed("a label has the reserved type \(byte >> 6)")
            }
        }
    }

    mutating func records(_ count: Int) throws(AICoreError) -> [DNSRecord] {
        var records: [DNSRecord] = []
        for _ in 0..<count {
            let owner = try name()
            let type = DNSRecordType(rawValue: try uint16())
            let recordClass = try uint16()
            let ttl = try uint32()
            let dataLength = Int(try uint16())
            guard dataLength <= remaining else { throw Self.malformed("record data runs past the end") }
            let end = offset + dataLength
            let data: DNSRecordData
            if type == .a, recordClass == DNSRecord.internetClass, dataLength == 4 {
                data = .ipv4(IPv4Address(try uint32()))
            } else if type == .aaaa, recordClass == DNSRecord.internetClass, dataLength == 16,
                      let address = IPv6Address(bytes: try take(16)) {
                data = .ipv6(address)
            } else if type.dataIsName {
                data = .name(try name())
                guard offset == end else { throw Self.malformed("a \(type) record's name does not fill its data") }
            } else {
                data = .raw(try take(dataLength))
            }
            records.append(DNSRecord(name: owner, type: type, recordClass: recordClass, ttl: ttl, data: data))
        }
        return records
    }
}
