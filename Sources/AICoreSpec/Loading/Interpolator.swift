/// Compose variable interpolation: `${VAR}`, `$VAR`, `${VAR:-default}`, `${VAR-default}`,
/// `${VAR:?message}`, `${VAR?message}`, `${VAR:+replacement}`, `${VAR+replacement}`,
/// nested defaults, and `$$` for a literal dollar.
public struct Interpolator: Sendable {
    public enum Failure: Error, Equatable, Sendable {
        /// `${VAR:?message}` or `${VAR?message}` with VAR missing.
        case requiredVariableMissing(name: String, message: String)
        /// Not a valid `${...}` expression.
        case invalidFormat(String)

        public var description: String {
            switch self {
            case .requiredVariableMissing(let name, let message):
                return message.isEmpty
                    ? "required variable \(name) is missing a value"
                    : "required variable \(name) is missing a value: \(message)"
            case .invalidFormat(let detail):
                return "invalid interpolation format: \(detail)"
            }
        }
    }

    public struct Output: Equatable, Sendable {
        public var text: String
        /// Variables that were referenced without a default while unset; each becomes "".
        public var unsetVariables: [String]
    }

    private let variables: [String: String]

    public init(variables: [String: String]) {
        self.variables = variables
    }

    public func interpolate(_ text: String) -> Result<Output, Failure> {
        guard text.contains("$") else { return .success(Output(text: text, unsetVariables: [])) }
        var unset: [String] = []
        do {
            let result = try expand(Array(text), unset: &unset)
            return .success(Output(text: result, unsetVariables: unset))
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(.invalidFormat(String(describing: error)))
        }
    }

    private func expand(_ chars: [Character], unset: inout [String]) throws -> String {
        var out = ""
        var index = 0
        while index < chars.count {
            let char = chars[index]
            guard char == "$", index + 1 < chars.count else {
                out.append(char)
                index += 1
                continue
            }
            let next = chars[index + 1]
            if next == "$" {
                out.append("$")
                index += 2
            } else if next == "{" {
                guard let close = Self.matchingBrace(chars, from: index + 2) else {
                    throw Failure.invalidFormat("\"\(String(chars))\" has an unclosed ${")
                }
                let body = Array(chars[(index + 2)..<close])
                out += try evaluate(body, whole: String(chars), unset: &unset)
                index = close + 1
            } else if Self.isNameStart(next) {
                var end = index + 1
                while end < chars.count, Self.isNameChar(chars[end]) { end += 1 }
                let name = String(chars[(index + 1)..<end])
                if let value = variables[name] {
                    out += value
                } else {
                    unset.append(name)
                }
                index = end
            } else {
                // A lone `$` (e.g. "$ 5" or "$1") is kept, as Compose does.
                out.append(char)
                index += 1
            }
        }
        return out
    }

    private func evaluate(_ body: [Character], whole: String, unset: inout [String]) throws -> String {
        guard let first = body.first, Self.isNameStart(first) else {
            throw Failure.invalidFormat("\"\(whole)\": expected a variable name after ${")
        }
        var end = 1
        while end < body.count, Self.isNameChar(body[end]) { end += 1 }
        let name = String(body[0..<end])
        let rest = Array(body[end...])
        let value = variables[name]
        if rest.isEmpty {
            if let value { return value }
            unset.append(name)
            return ""
        }
        let colon = rest.first == ":"
        let operatorIndex = colon ? 1 : 0
        guard operatorIndex < rest.count else {
            throw Failure.invalidFormat("\"\(whole)\": expected -, ?, or + after ${\(name):")
        }
        let op = rest[operatorIndex]
        let argument = Array(rest[(operatorIndex + 1)...])
        // With a colon, an empty value counts as missing.
        let isMissing = colon ? (value ?? "").isEmpty : value == nil
        switch op {
        case "-":
            return isMissing ? try expand(argument, unset: &unset) : (value ?? "")
        case "?":
            if isMissing {
                throw Failure.requiredVariableMissing(name: name, message: try expand(argument, unset: &unset))
            }
            return value ?? ""
        case "+":
            return isMissing ? "" : try expand(argument, unset: &unset)
        default:
            throw Failure.invalidFormat(
                "\"\(whole)\": unexpected \"\(op)\" after ${\(name); expected }, :-, -, :?, ?, :+ or +")
        }
    }

    private static func matchingBrace(_ chars: [Character], from start: Int) -> Int? {
        var depth = 1
        var index = start
        while index < chars.count {
            if chars[index] == "$", index + 1 < chars.count, chars[index + 1] == "{" {
                depth += 1
                index += 2
                continue
            }
            if chars[index] == "}" {
                depth -= 1
                if depth == 0 { return index }
            }
            index += 1
        }
        return nil
    }

    static func isNameStart(_ char: Character) -> Bool {
        char == "_" || (char.isASCII && char.isLetter)
    }

    static func isNameChar(_ char: Character) -> Bool {
        isNameStart(char) || (char.isASCII && char.isNumber)
    }
}
