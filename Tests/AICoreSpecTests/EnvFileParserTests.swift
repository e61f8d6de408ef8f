import Testing

@testable import AICoreSpec

@Suite("EnvFileParser")
struct EnvFileParserTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let text: String
        let entries: [EnvFileParser.Entry]
        let why: String

        init(_ text: String, _ entries: [(String, String?, Int)], _ why: String) {
            self.text = text
            self.entries = entries.map { EnvFileParser.Entry(key: $0.0, value: $0.1, line: $0.2) }
            self.why = why
        }

        var testDescription: String { why }
    }

    static let accepted: [Case] = [
        Case("A=1", [("A", "1", 1)], "KEY=VALUE"),
        Case("export A=1", [("A", "1", 1)], "an `export` prefix is dropped"),
        Case("# comment\n\n  # indented comment\nA=1", [("A", "1", 4)], "comments and blank lines are skipped, lines keep their numbers"),
        Case("A=1\r\nB=2\r\n", [("A", "1", 1), ("B", "2", 2)], "CRLF line endings"),
        Case("A=1\r\n\r\n# note\r\nB='x'\r\n", [("A", "1", 1), ("B", "x", 4)], "CRLF with blank and comment lines"),
        Case("A = 1", [("A", "1", 1)], "spaces around = are trimmed"),
        Case("A=", [("A", "", 1)], "an empty value is set and empty"),
        Case("A", [("A", nil, 1)], "a bare KEY has no value (it is taken from the environment)"),
        Case("A='x y $B \\n'", [("A", "x y $B \\n", 1)], "single quotes are literal"),
        Case(#"A="a\nb\t\"c\" \\""#, [("A", "a\nb\t\"c\" \\", 1)], "double quotes honour \\n, \\t, \\\" and \\\\"),
        Case("A=\"with # hash\"", [("A", "with # hash", 1)], "a hash inside quotes is kept"),
        Case("A=value # comment", [("A", "value", 1)], "a space-hash after an unquoted value starts a comment"),
        Case("A=value#kept", [("A", "value#kept", 1)], "a hash without a space before it is part of the value"),
        Case("A=b=c", [("A", "b=c", 1)], "only the first = separates"),
        Case("my.key-name=1", [("my.key-name", "1", 1)], "dots and dashes are allowed in names"),
        Case("A=1\nA=2", [("A", "1", 1), ("A", "2", 2)], "repeated keys are all returned, in order"),
        Case("", [], "an empty file"),
    ]

    @Test("parses", arguments: accepted)
    func parses(_ example: Case) throws {
        #expect(try EnvFileParser.parse(example.text).get() == example.entries)
    }

    static let rejected: [(text: String, line: Int, column: Int, message: String)] = [
        ("A=1\n1A=2", 2, 1, #"invalid variable name "1A""#),
        ("  export  -X=1", 1, 11, #"invalid variable name "-X""#),
        ("A=1\n  not a pair", 2, 3, #"expected KEY=VALUE, found "not a pair""#),
        ("A='open", 1, 1, "unterminated single-quoted value"),
        ("\nA=\"open", 2, 1, "unterminated double-quoted value"),
    ]

    @Test("rejects a malformed line with its position", arguments: rejected)
    func rejects(_ example: (text: String, line: Int, column: Int, message: String)) {
        let result = EnvFileParser.parse(example.text)
        #expect(result == .failure(.init(line: example.line, column: example.column, message: example.message)))
    }
}

/// `env_file: {format: raw}`: values exactly as written.
extension EnvFileParserTests {
    static let raw: [Case] = [
        Case("A=\"quoted\" # not a comment", [("A", "\"quoted\" # not a comment", 1)], "quotes and ` #` are part of the value"),
        Case("A='x $B \\n'", [("A", "'x $B \\n'", 1)], "single quotes, `$` and backslashes are kept"),
        Case("A= padded ", [("A", " padded ", 1)], "spaces around the value are kept"),
        Case("# comment\n\nA=b=c\r\n", [("A", "b=c", 3)], "comments and blank lines are skipped; only the first = separates; CR is dropped"),
        Case("A", [("A", nil, 1)], "a bare KEY has no value (it is taken from the environment)"),
    ]

    @Test("parses the raw format", arguments: raw)
    func parsesRaw(_ example: Case) throws {
        #expect(try EnvFileParser.parseRaw(example.text).get() == example.entries)
    }

    @Test("the raw format still rejects an invalid name, at its position")
    func rawRejectsInvalidName() {
        #expect(EnvFileParser.parseRaw("A=1\n  1A=2") == .failure(.init(line: 2, column: 3, message: #"invalid variable name "1A""#)))
    }
}
