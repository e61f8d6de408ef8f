import AICoreErrors
import Crypto

/// A content digest, `sha256:<64 lowercase hex>` (OCI image spec, "Digests"), validated when
/// parsed so that it can safely become a file name in the content store: a registry or an archive
/// that sends `sha256:../../etc` is refused here (the CVE-2024-3727 class), not later.
public struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public enum Algorithm: String, Sendable, Codable {
        case sha256, sha512

        var hexLength: Int { self == .sha256 ? 64 : 128 }
    }

    public let algorithm: Algorithm
    /// Lowercase hex, of exactly the algorithm's length.
    public let hex: String

    public init(parsing text: String) throws(AICoreError) {
        guard let colon = text.firstIndex(of: ":") else {
            throw Self.invalid(text, "expected algorithm:hex, e.g. sha256:<64 hex digits>")
        }
        let name = String(text[..<colon])
        let hex = String(text[text.index(after: colon)...])
        guard let algorithm = Algorithm(rawValue: name) else {
            throw Self.invalid(text, "the algorithm \"\(name)\" is not supported (sha256 or sha512)")
        }
        guard hex.utf8.count == algorithm.hexLength,
              hex.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
        else {
            throw Self.invalid(text, "expected \(algorithm.hexLength) lowercase hex digits after \"\(name):\"")
        }
        self.algorithm = algorithm
        self.hex = hex
    }

    /// The SHA-256 digest of `bytes`.
    public static func sha256<Bytes: Sequence>(of bytes: Bytes) -> Digest where Bytes.Element == UInt8 {
        var hasher = DigestHasher()
        hasher.update(Array(bytes))
        return hasher.finalize()
    }

    init(algorithm: Algorithm, trustedHex: String) {
        self.algorithm = algorithm
        self.hex = trustedHex
    }

    public var description: String { "\(algorithm.rawValue):\(hex)" }

    /// The first 12 hex digits, as `docker images` shows IDs.
    public var short: String { String(hex.prefix(12)) }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try Digest(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private static func invalid(_ text: String, _ expected: String) -> AICoreError {
        let shown = text.count > 80 ? String(text.prefix(80)) + "…" : text
        return AICoreError(.invalidDigest, "invalid digest \"\(shown)\": \(expected)")
    }
}

/// A digest computed over content as it streams past (a blob being downloaded, a layer being
/// read): SHA-256 unless the digest it is checked against says SHA-512.
public struct DigestHasher: Sendable {
    private enum State: Sendable {
        case sha256(SHA256)
        case sha512(SHA512)
    }

    private var state: State
    public private(set) var count: UInt64 = 0

    public init(algorithm: Digest.Algorithm = .sha256) {
        state = algorithm == .sha256 ? .sha256(SHA256()) : .sha512(SHA512())
    }

    public mutating func update(_ raw: UnsafeRawBufferPointer) {
        switch state {
        case .sha256(var hasher):
            hasher.update(bufferPointer: raw)
            state = .sha256(hasher)
        case .sha512(var hasher):
            hasher.update(bufferPointer: raw)
            state = .sha512(hasher)
        }
        count += UInt64(raw.count)
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    public func finalize() -> Digest {
        switch state {
        case .sha256(let hasher): Digest(algorithm: .sha256, trustedHex: Self.hex(hasher.finalize()))
        case .sha512(let hasher): Digest(algorithm: .sha512, trustedHex: Self.hex(hasher.finalize()))
        }
    }

    private static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
