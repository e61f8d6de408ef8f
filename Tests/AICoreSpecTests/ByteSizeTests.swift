import Testing

@testable import AICoreSpec

@Suite("ByteSize")
struct ByteSizeTests {
    static let valid: [(text: String, bytes: UInt64)] = [
        ("2G", 2 << 30),
        ("512Mi", 512 << 20),
        ("1gb", 1 << 30),
        ("64m", 64 << 20),
        ("1024", 1024),
        ("1.5g", 1536 << 20),
        ("100b", 100),
        ("1k", 1024),
        ("4KiB", 4096),
        ("1t", 1 << 40),
        ("2 G", 2 << 30),
        ("0", 0),
    ]

    @Test("parses; every unit is binary, with or without the i", arguments: valid)
    func parses(_ example: (text: String, bytes: UInt64)) {
        #expect(ByteSize(parsing: example.text)?.bytes == example.bytes)
    }

    @Test("rejects", arguments: ["", "g", "abc", "-1g", "5x", "1.5.5m", "2 gigs", "1p", "1e3"])
    func rejects(_ text: String) {
        #expect(ByteSize(parsing: text) == nil)
    }

    static let descriptions: [(bytes: UInt64, text: String)] = [
        (2 << 30, "2G"),
        (1536 << 20, "1536M"),
        (512 << 20, "512M"),
        (1024, "1K"),
        (1 << 40, "1T"),
        (100, "100"),
        (1025, "1025"),
        (0, "0"),
    ]

    @Test("describes itself in the largest exact unit", arguments: descriptions)
    func describes(_ example: (bytes: UInt64, text: String)) {
        #expect(ByteSize(bytes: example.bytes).description == example.text)
    }

    @Test("reads back its description", arguments: descriptions.map(\.bytes))
    func roundTrip(_ bytes: UInt64) {
        #expect(ByteSize(parsing: ByteSize(bytes: bytes).description)?.bytes == bytes)
    }

    @Test("orders by size")
    func orders() throws {
        let small = try #require(ByteSize(parsing: "512m"))
        let large = try #require(ByteSize(parsing: "1g"))
        #expect(small < large)
        #expect(ByteSize(parsing: "1024m") == large)
    }
}
