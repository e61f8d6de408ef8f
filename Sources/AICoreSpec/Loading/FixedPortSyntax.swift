import Foundation

/// Finds a listening port written as a fixed number in a command or an environment value:
/// `--port 8000`, `--port=8000`, `-p 8000`, `0.0.0.0:8000`, `:8000`, `http.server 8000`, and
/// whether a text names a variable (`$PORT`, `${PORT}`, `${PORT:-8000}`).
///
/// Only the given ports count, so a number that is not one of the service's ports is left alone.
enum FixedPortSyntax {
    /// The first of `ports` written as a fixed port in `words`, with the words that say so
    /// (`--port 8000`). A word may itself be a shell line (`sh -c "uvicorn --port 8000"`).
    static func find(_ ports: Set<Int>, in words: [String]) -> (port: Int, text: String)? {
        let tokens = words.flatMap(tokens)
        for (offset, token) in tokens.enumerated() {
            if let equals = token.firstIndex(of: "="), token.hasPrefix("-") {
                let flag = token[..<equals]
                let value = String(token[token.index(after: equals)...])
                if flag.lowercased().contains("port"), let port = Int(value), ports.contains(port) {
                    return (port, token)
                }
                if let port = hostPort(value), ports.contains(port) { return (port, token) }
                continue
            }
            if isPortFlag(token), offset + 1 < tokens.count, let port = Int(tokens[offset + 1]), ports.contains(port) {
                return (port, "\(token) \(tokens[offset + 1])")
            }
            if let port = hostPort(token), ports.contains(port) { return (port, token) }
            // A bare argument (`python -m http.server 8000`), but not another flag's value (`--workers 8000`).
            if let port = Int(token), ports.contains(port), offset == 0 || !tokens[offset - 1].hasPrefix("-") {
                return (port, token)
            }
        }
        return nil
    }

    /// True when `text` expands the variable `name`: `$NAME`, `${NAME}` or `${NAME:-default}`.
    static func usesVariable(_ name: String, in text: String) -> Bool {
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            var after = rest[rest.index(after: dollar)...]
            if after.hasPrefix("{") { after = after.dropFirst() }
            if after.hasPrefix(name) {
                let next = after.dropFirst(name.count).first
                if next.map({ !($0.isLetter || $0.isNumber || $0 == "_") }) ?? true { return true }
            }
            rest = after
        }
        return false
    }

    /// Shell-ish words of one command word: split on white space, quotes and `;` trimmed.
    private static func tokens(_ word: String) -> [String] {
        word.split(whereSeparator: \.isWhitespace).map {
            $0.trimmingCharacters(in: trimmed)
        }.filter { !$0.isEmpty }
    }

    private static let trimmed = CharacterSet(charactersIn: "\"';,")

    /// `--port`, `--http-port`, `-port`, `-p`: a flag whose next word is a port.
    private static func isPortFlag(_ token: String) -> Bool {
        guard token.hasPrefix("-") else { return false }
        return token == "-p" || token.lowercased().contains("port")
    }

    /// The port of `0.0.0.0:8000`, `:8000`, `[::]:8000` or `http://0.0.0.0:8000`.
    private static func hostPort(_ token: String) -> Int? {
        guard let colon = token.lastIndex(of: ":") else { return nil }
        let digits = token[token.index(after: colon)...]
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return Int(digits)
    }
}
