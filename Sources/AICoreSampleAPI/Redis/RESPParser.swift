import NIOCore

/// Parses RESP2 replies. Returns nil, consuming nothing, while a reply is incomplete.
enum RESPParser {
    static let maximumDepth = 32
    static let maximumBulkLength = 512 * 1024 * 1024

    /// Parses one value from the front of `buffer`, advancing it only on success.
    static func parse(_ buffer: inout ByteBuffer) throws(RedisError) -> RESPValue? {
        var copy = buffer
        guard let value = try parseValue(&copy, depth: 0) else { return nil }
        buffer = copy
        return value
    }

    private static func parseValue(_ buffer: inout ByteBuffer, depth: Int) throws(RedisError) -> RESPValue? {
        guard depth < maximumDepth else { throw .protocolViolation("nesting deeper than \(maximumDepth)") }
        guard let type = buffer.readInteger(as: UInt8.self) else { return nil }
        guard let line = try readLine(&buffer) else { return nil }
        switch type {
        case UInt8(ascii: "+"):
            return .simpleString(line)
        case UInt8(ascii: "-"):
            return .error(line)
        case UInt8(ascii: ":"):
            guard let number = Int(line) else { throw .protocolViolation("integer \"\(line)\"") }
            return .integer(number)
        case UInt8(ascii: "$"):
            guard let length = Int(line), length >= -1, length <= maximumBulkLength else {
                throw .protocolViolation("bulk length \"\(line)\"")
            }
            if length == -1 { return .bulkString(nil) }
            guard buffer.readableBytes >= length + 2, let body = buffer.readSlice(length: length) else { return nil }
            guard buffer.readInteger(as: UInt16.self) == 0x0D0A else { throw .protocolViolation("bulk string not ended by CRLF") }
            return .bulkString(body)
        case UInt8(ascii: "*"):
            guard let count = Int(line), count >= -1 else { throw .protocolViolation("array length \"\(line)\"") }
            if count == -1 { return .array(nil) }
            var elements: [RESPValue] = []
            elements.reserveCapacity(min(count, 1024))
            for _ in 0..<count {
                guard let element = try parseValue(&buffer, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            return .array(elements)
        default:
            throw .protocolViolation("unknown type byte \(type)")
        }
    }

    /// The text up to CRLF, consuming both; nil while no CRLF has arrived.
    private static func readLine(_ buffer: inout ByteBuffer) throws(RedisError) -> String? {
        let view = buffer.readableBytesView
        guard let cr = view.firstIndex(of: 0x0D) else {
            if view.count > 64 * 1024 { throw .protocolViolation("line longer than 64 KiB") }
            return nil
        }
        let lf = view.index(after: cr)
        guard lf < view.endIndex else { return nil }
        guard view[lf] == 0x0A else { throw .protocolViolation("CR not followed by LF") }
        let length = cr - view.startIndex
        guard let text = buffer.readString(length: length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 2)
        return text
    }

    /// A command as a RESP array of bulk strings.
    static func encode(command arguments: [String], into buffer: inout ByteBuffer) {
        buffer.writeString("*\(arguments.count)\r\n")
        for argument in arguments {
            buffer.writeString("$\(argument.utf8.count)\r\n")
            buffer.writeString(argument)
            buffer.writeString("\r\n")
        }
    }
}
