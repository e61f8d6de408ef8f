/// One challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1): a scheme and its
/// parameters, e.g. `Bearer realm="https://auth.docker.io/token",service="registry.docker.io"`.
///
/// A header may hold several challenges separated by commas, and a response several headers;
/// quoted values may hold commas, `=` and backslash escapes. A bare `token68` (as `Negotiate`
/// sends) is skipped: registries use Basic and Bearer only.
struct AuthChallenge: Sendable, Hashable {
    /// Lowercased: `basic`, `bearer`.
    var scheme: String
    /// Parameter names lowercased; values as sent, unescaped.
    var parameters: [String: String]

    init(scheme: String, parameters: [String: String] = [:]) {
        self.scheme = scheme.lowercased()
        self.parameters = parameters
    }

    var realm: String? { parameters["realm"] }

    /// Every challenge in `headers`, in order.
    static func parse(_ headers: [String]) -> [AuthChallenge] {
        headers.flatMap { parse($0) }
    }

    static func parse(_ header: String) -> [AuthChallenge] {
        var scanner = Scanner(Array(header.utf8))
        var challenges: [AuthChallenge] = []
        while true {
            scanner.skip { $0 == UInt8(ascii: ",") || isWhitespace($0) }
            guard let token = scanner.token() else {
                // Not a token: skip one byte so that garbage cannot stall the loop.
                if scanner.atEnd { break }
                scanner.advance()
                continue
            }
            let afterToken = scanner.position
            scanner.skip(isWhitespace)
            if scanner.peek == UInt8(ascii: "="), !challenges.isEmpty {
                scanner.advance()
                scanner.skip(isWhitespace)
                let value = scanner.quotedString() ?? scanner.token() ?? ""
                challenges[challenges.count - 1].parameters[token.lowercased()] = value
                continue
            }
            scanner.position = afterToken
            challenges.append(AuthChallenge(scheme: token))
            // A token68 right after the scheme (`Negotiate abc==`) is skipped; a `name=value`
            // there is the first parameter, which the next round reads.
            let afterScheme = scanner.position
            scanner.skip(isWhitespace)
            guard scanner.token() != nil else {
                scanner.position = afterScheme
                continue
            }
            scanner.skip(isWhitespace)
            guard scanner.peek == UInt8(ascii: "=") else { continue }
            var look = scanner
            look.skip { $0 == UInt8(ascii: "=") }
            look.skip(isWhitespace)
            if look.atEnd || look.peek == UInt8(ascii: ",") {
                scanner = look
            } else {
                scanner.position = afterScheme
            }
        }
        return challenges
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09
    }

    /// A cursor over a header's bytes.
    private struct Scanner {
        var bytes: [UInt8]
        var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { position >= bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[position] }

        mutating func advance() { position += 1 }

        mutating func skip(_ predicate: (UInt8) -> Bool) {
            while let byte = peek, predicate(byte) { position += 1 }
        }

        /// RFC 9110 `token`: visible ASCII but separators.
        mutating func token() -> String? {
            let start = position
            while let byte = peek, Scanner.isTokenByte(byte) { position += 1 }
            guard position > start else { return nil }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        /// A `"…"` string with `\` escapes; nil (and no move) when not at a quote.
        mutating func quotedString() -> String? {
            guard peek == UInt8(ascii: "\"") else { return nil }
            position += 1
            var value: [UInt8] = []
            while let byte = peek {
                position += 1
                if byte == UInt8(ascii: "\"") { break }
                if byte == UInt8(ascii: "\\"), let escaped = peek {
                    position += 1
                    value.append(escaped)
                    continue
                }
                value.append(byte)
            }
            return String(decoding: value, as: UTF8.self)
        }

        static func isTokenByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return Array("!#$%&'*+-.^_`|~/:".utf8).contains(byte)
            }
        }
    }
}
