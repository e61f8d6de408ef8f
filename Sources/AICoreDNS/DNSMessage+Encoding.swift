extension DNSMessage {
    /// The message on the wire, names compressed against those written before them.
    public func encoded() -> [UInt8] {
        var writer = DNSWireWriter()
        writer.uint16(id)
        writer.uint16(flags)
        writer.uint16(UInt16(clamping: questions.count))
        writer.uint16(UInt16(clamping: answers.count))
        writer.uint16(UInt16(clamping: authorities.count))
        writer.uint16(UInt16(clamping: additionals.count))
        for question in questions {
            writer.name(question.name)
            writer.uint16(question.type.rawValue)
            writer.uint16(question.questionClass)
        }
        for record in answers + authorities + additionals {
            writer.record(record)
        }
        return writer.bytes
    }

    /// This message cut to what a UDP answer of at most `limit` bytes may carry: itself if it
    /// fits, else its header and questions with TC set, so the client asks again over TCP.
    public func fitted(toUDP limit: Int) -> [UInt8] {
        let whole = encoded()
        guard whole.count > limit else { return whole }
        var cut = DNSMessage(id: id, flags: flags, questions: questions)
        cut.isTruncated = true
        return cut.encoded()
    }
}

/// Builds a message, remembering where each name suffix was written so that later names point
/// at it (RFC 1035 4.1.4). Only offsets below 0x4000 can be pointed at.
struct DNSWireWriter {
    var bytes: [UInt8] = []
    private var suffixes: [String: Int] = [:]

    mutating func uint16(_ value: UInt16) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xFF))
    }

    mutating func uint32(_ value: UInt32) {
        uint16(UInt16(value >> 16))
        uint16(UInt16(value & 0xFFFF))
    }

    mutating func name(_ name: DNSName) {
        for index in name.labels.indices {
            let suffix = DNSName(labels: Array(name.labels[index...])).key
            if let offset = suffixes[suffix] {
                uint16(0xC000 | UInt16(offset))
                return
            }
            if bytes.count < 0x4000 { suffixes[suffix] = bytes.count }
            let label = name.labels[index]
            bytes.append(UInt8(label.count))
            bytes.append(contentsOf: label)
        }
        bytes.append(0)
    }

    mutating func record(_ record: DNSRecord) {
        name(record.name)
        uint16(record.type.rawValue)
        uint16(record.recordClass)
        uint32(record.ttl)
        let lengthAt = bytes.count
        uint16(0)
        switch record.data {
        case .ipv4(let address): uint32(address.value)
        case .ipv6(let address): bytes.append(contentsOf: address.bytes)
        case .name(let target): name(target)
        case .raw(let data): bytes.append(contentsOf: data)
        }
        let length = UInt16(clamping: bytes.count - lengthAt - 2)
        bytes[lengthAt] = UInt8(length >> 8)
        bytes[lengthAt + 1] = UInt8(length & 0xFF)
    }
}
