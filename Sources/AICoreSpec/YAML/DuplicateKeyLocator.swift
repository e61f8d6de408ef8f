/// Finds where a duplicated key is written a second time, and the key path of its mapping.
///
/// Yams refuses a document with a duplicate key before building any tree, and reports only the
/// first occurrence. Users need the second one (the line they just added), so this scans the
/// block-style text below the first occurrence at the same indentation. Flow-style mappings
/// (`{a: 1, a: 2}`) fall back to the first occurrence.
enum DuplicateKeyLocator {
    struct Found: Equatable {
        var line: Int
        var column: Int
        var keyPath: String
    }

    static func locate(key: String, firstLine: Int, firstColumn: Int, in text: String) -> Found {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map(String.init)
        let indent = firstColumn - 1
        var found = Found(line: firstLine, column: firstColumn, keyPath: "")
        if firstLine - 1 < lines.count {
            for index in firstLine..<lines.count {
                let line = lines[index]
                let trimmed = line.drop(while: { $0 == " " })
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                let lineIndent = line.count - trimmed.count
                if lineIndent < indent { break }
                if lineIndent == indent, keyName(of: trimmed) == key {
                    found.line = index + 1
                    break
                }
            }
        }
        found.keyPath = (parents(above: firstLine, indent: indent, lines: lines) + [key]).joined(separator: ".")
        return found
    }

    /// `key:` or `"key":` at the start of a line, else nil.
    private static func keyName(of text: Substring) -> String? {
        var body = text
        if body.hasPrefix("- ") { return nil }
        var quote: Character?
        if let first = body.first, first == "\"" || first == "'" {
            quote = first
            body = body.dropFirst()
        }
        guard let end = body.firstIndex(where: { char in quote.map { char == $0 } ?? (char == ":") }) else { return nil }
        let name = String(body[..<end])
        let after = body[end...].dropFirst(quote == nil ? 0 : 1)
        guard after.hasPrefix(":") else { return nil }
        return name
    }

    /// The chain of block-mapping keys that contain line `line` (1-based) at `indent`.
    private static func parents(above line: Int, indent: Int, lines: [String]) -> [String] {
        var result: [String] = []
        var currentIndent = indent
        var index = line - 2
        while index >= 0, currentIndent > 0 {
            let text = lines[index]
            let trimmed = text.drop(while: { $0 == " " })
            let lineIndent = text.count - trimmed.count
            if !trimmed.isEmpty, !trimmed.hasPrefix("#"), lineIndent < currentIndent {
                guard let name = keyName(of: trimmed) else { return [] }
                result.insert(name, at: 0)
                currentIndent = lineIndent
            }
            index -= 1
        }
        return result
    }
}
