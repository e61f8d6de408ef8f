import AICoreErrors
import Testing
@testable import AICoreImages

@Suite("A digest is validated before it can name a file")
struct DigestTests {
    @Test("SHA-256 of known content")
    func knownContent() {
        #expect(Digest.sha256(of: Array("".utf8)).description == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Digest.sha256(of: Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("A hasher fed in pieces gives the digest of the whole, and counts the bytes")
    func streaming() {
        var hasher = DigestHasher()
        hasher.update(Array("a".utf8))
        hasher.update(Array("bc".utf8))
        #expect(hasher.finalize() == Digest.sha256(of: Array("abc".utf8)))
        #expect(hasher.count == 3)
    }

    @Test(
        "Path tricks and malformed digests are refused (the CVE-2024-3727 class)",
        arguments: [
            "sha256:../../../../etc/passwd",
            "sha256:" + String(repeating: "A", count: 64),
            "sha256:" + String(repeating: "a", count: 63),
            "sha256:" + String(repeating: "a", count: 63) + "/",
            "sha256/" + String(repeating: "a", count: 64),
            "sha256:" + String(repeating: "a", count: 64) + "\n",
            ":" + String(repeating: "a", count: 64),
            "sha1:" + String(repeating: "a", count: 40),
            "",
        ]
    )
    func refuses(text: String) {
        #expect(throws: AICoreError.self) { _ = try Digest(parsing: text) }
    }

    @Test("A digest round-trips through JSON, and a bad one fails decoding")
    func codable() throws {
        let digest = Digest.sha256(of: [1, 2, 3])
        let encoded = try JSONEncoderForTests.encode(digest)
        #expect(try JSONEncoderForTests.decode(Digest.self, from: encoded) == digest)
        #expect(throws: DecodingError.self) { _ = try JSONEncoderForTests.decode(Digest.self, from: "\"sha256:nope\"") }
    }
}
