import NIOCore
import Testing
@testable import AICoreSampleAPI

@Suite struct RESPParserTests {
    @Test(arguments: [
        ("+PONG\r\n", RESPValue.simpleString("PONG")),
        ("-ERR unknown command\r\n", .error("ERR unknown command")),
        (":42\r\n", .integer(42)),
        (":-7\r\n", .integer(-7)),
        ("$5\r\nhello\r\n", .bulkString(ByteBuffer(string: "hello"))),
        ("$0\r\n\r\n", .bulkString(ByteBuffer())),
        ("$-1\r\n", .bulkString(nil)),
        ("*-1\r\n", .array(nil)),
        ("*2\r\n:1\r\n$1\r\na\r\n", .array([.integer(1), .bulkString(ByteBuffer(string: "a"))])),
    ])
    func parsesEachType(wire: String, expected: RESPValue) throws {
        var buffer = ByteBuffer(string: wire)
        #expect(try RESPParser.parse(&buffer) == expected)
        #expect(buffer.readableBytes == 0)
    }

    @Test func incompleteRepliesConsumeNothing() throws {
        let wire = "*2\r\n$5\r\nhello\r\n:12\r\n"
        for cut in 0..<wire.utf8.count {
            var buffer = ByteBuffer(bytes: Array(wire.utf8.prefix(cut)))
            #expect(try RESPParser.parse(&buffer) == nil, "cut at \(cut)")
            #expect(buffer.readableBytes == cut)
        }
    }

    @Test func twoRepliesInOneRead() throws {
        var buffer = ByteBuffer(string: "+OK\r\n:3\r\n")
        #expect(try RESPParser.parse(&buffer) == .simpleString("OK"))
        #expect(try RESPParser.parse(&buffer) == .integer(3))
    }

    @Test(arguments: ["?what\r\n", ":abc\r\n", "$3\r\nabcXY", "+OK\rX"])
    func protocolViolations(wire: String) {
        var buffer = ByteBuffer(string: wire)
        #expect(throws: RedisError.self) { try RESPParser.parse(&buffer) }
    }

    @Test func encodesCommandsAsBulkArrays() {
        var buffer = ByteBuffer()
        RESPParser.encode(command: ["SET", "k", "héllo"], into: &buffer)
        #expect(String(buffer: buffer) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\nhéllo\r\n")
    }
}
