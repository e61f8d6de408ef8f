import Crypto

/// The hash a descriptor's digest names, fed as content streams past: SHA-256, or SHA-512 for
/// the rare descriptor that uses it.
struct BlobHasher {
    private enum Function {
        case sha256(SHA256)
        case sha512(SHA512)
    }

    private var function: Function
    private(set) var count: UInt64 = 0

    init(_ algorithm: Digest.Algorithm) {
        switch algorithm {
        case .sha256: function = .sha256(SHA256())
        case .sha512: function = .sha512(SHA512())
        }
    }

    mutating func update(_ raw: UnsafeRawBufferPointer) {
        switch function {
        case .sha256(var hasher):
            hasher.update(bufferPointer: raw)
            function = .sha256(hasher)
        case .sha512(var hasher):
            hasher.update(bufferPointer: raw)
            function = .sha512(hasher)
        }
        count += UInt64(raw.count)
    }

    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    func finalize() -> Digest {
        switch function {
        case .sha256(let hasher): Digest(algorithm: .sha256, trustedHex: BlobHasher.hex(hasher.finalize()))
        case .sha512(let hasher): Digest(algorithm: .sha512, trustedHex: BlobHasher.hex(hasher.finalize()))
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
