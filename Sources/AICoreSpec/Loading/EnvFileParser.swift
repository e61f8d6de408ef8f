import Foundation

/// Parses `.env` and `env_file` files: `KEY=VALUE`, `export KEY=VALUE`, `# comments`,
/// single quotes (literal), double quotes (with `\n`, `\t`, `\"`, `\\` escapes), and
/// ` # comment` after an unquoted value. A bare `KEY` takes its value from `lookup`, or is skipped.
public enum EnvFileParser {
    public struct Entry: Equatable, Sendable {
        public var key: String
        public var value: String?
        public var line: Int
    }

    public struct Failure: Error, Equatable, Sendable {
        public var line: Int
        public var column: Int
        public var message: String
    }

    public static func parse(_ text: String) -> Result<[Entry], Failure> {
        var entries: [Entry] = []
        // "\r\n" is one Character in Swift, so it is a separator of its own.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (offset, rawLine) in lines.enumerated() {
            let lineNumber = offset + 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            var body = trimmed
            if body.hasPrefix("export ") { body = body.dropFirst("export ".count).drop(while: { $0 == " " }) }
            let column = line.count - body.count + 1
            guard let equals = body.firstIndex(of: "=") else {
                let key = body.trimmingCharacters(in: .whitespaces)
                guard isValidKey(key) else {
                    return .failure(Failure(line: lineNumber, column: column, message: "expected KEY=VALUE, found \"\(key)\""))
                }
                entries.append(Entry(key: key, value: nil, line: lineNumber))
                continue
            }
            let key = body[body.startIndex..<equals].trimmingCharacters(in: .whitespaces)
            guard isValidKey(key) else {
                return .failure(
                    Failure(line: lineNumber, column: column, message: "invalid variable name \"\(key)\""))
            }
            let rawValue = body[body.index(after: equals)...].drop(while: { $0 == " " || $0 == "\t" })
            switch parseValue(rawValue) {
            case .success(let value):
                entries.append(Entry(key: key, value: value, line: lineNumber))
            case .failure(let message):
                return .failure(Failure(line: lineNumber, column: column, message: message.text))
            }
        }
        return .success(entries)
    }

    struct Message: Error { var text: String }

    private static func parseValue(_ raw: Substring) -> Result<String, Message> {
        if raw.hasPrefix("'") {
            guard let close = raw.dropFirst().firstIndex(of: "'") else {
                return .failure(Message(text: "unterminated single-quoted value"))
            }
            return .success(String(raw[raw.index(after: raw.startIndex)..<close]))
        }
        if raw.hasPrefix("\"") {
            var out = ""
            var index = raw.index(after: raw.startIndex)
            while index < raw.endIndex {
                let char = raw[index]
                if char == "\"" { return .success(out) }
                if char == "\\", raw.index(after: index) < raw.endIndex {
                    index = raw.index(after: index)
                    switch raw[index] {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "r": out.append("\r")
                    default: out.append(raw[index])
                    }
                } else {
                    out.append(char)
                }
                index = raw.index(after: index)
            }
            return .failure(Message(text: "unterminated double-quoted value"))
        }
        var value = raw
        if let hash = value.range(of: " #") { value = value[value.startIndex..<hash.lowerBound] }
        return .success(value.trimmingCharacters(in: .whitespaces))
    }

    /// A variable name as Compose takes one: a letter or `_`, then letters, digits, `_`, `.` and `-`.
    public static func isValidKey(_ key: String) -> Bool {
        guard let first = key.first, Interpolator.isNameStart(first) else { return false }
        return key.allSatisfy { Interpolator.isNameChar($0) || $0 == "." || $0 == "-" }
    }
}

extension EnvFileParser {
    /// `format: raw`: each `KEY=VALUE` line's value is everything after the first `=`, exactly
    /// (quotes, `#` and `\` kept; only a line's `\r` is dropped). Blank lines and lines starting
    /// with `#` are skipped; a bare `KEY` takes its value from the environment, as in `.env`.
    public static func parseRaw(_ text: String) -> Result<[Entry], Failure> {
        var entries: [Entry] = []
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (offset, rawLine) in lines.enumerated() {
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let column = line.count - trimmed.count + 1
            let key = (trimmed.firstIndex(of: "=").map { trimmed[..<$0] } ?? trimmed).trimmingCharacters(in: .whitespaces)
            guard isValidKey(key) else {
                return .failure(Failure(line: offset + 1, column: column, message: "invalid variable name \"\(key)\""))
            }
            let value = trimmed.firstIndex(of: "=").map { String(trimmed[trimmed.index(after: $0)...]) }
            entries.append(Entry(key: key, value: value, line: offset + 1))
        }
        return .success(entries)
    }
}
