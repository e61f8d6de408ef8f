/// Splits a command string into words the way a POSIX shell does for quoting (no expansion),
/// which is what Compose does for `command: "redis-server --appendonly yes"`.
public enum ShellWords {
    public struct Failure: Error, Equatable {
        public var message: String
    }

    public static func split(_ text: String) -> Result<[String], Failure> {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var iterator = text.makeIterator()
        while let char = iterator.next() {
            if let open = quote {
                if char == open {
                    quote = nil
                } else if char == "\\" && open == "\"" {
                    guard let next = iterator.next() else { return .failure(Failure(message: "ends with a backslash")) }
                    if !["\"", "\\", "$", "`"].contains(next) { current.append("\\") }
                    current.append(next)
                } else {
                    current.append(char)
                }
                continue
            }
            switch char {
            case "'", "\"":
                quote = char
                inWord = true
            case "\\":
                guard let next = iterator.next() else { return .failure(Failure(message: "ends with a backslash")) }
                current.append(next)
                inWord = true
            case " ", "\t", "\n":
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            default:
                current.append(char)
                inWord = true
            }
        }
        if let open = quote {
            return .failure(Failure(message: "unterminated \(open == "'" ? "single" : "double") quote"))
        }
        if inWord { words.append(current) }
        return .success(words)
    }
}
