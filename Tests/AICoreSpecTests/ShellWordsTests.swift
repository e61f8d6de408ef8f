import Testing

@testable import AICoreSpec

@Suite("ShellWords")
struct ShellWordsTests {
    static let splitCases: [(text: String, words: [String])] = [
        ("redis-server --appendonly yes", ["redis-server", "--appendonly", "yes"]),
        ("  a   b  ", ["a", "b"]),
        ("a\tb\nc", ["a", "b", "c"]),
        ("", []),
        ("   ", []),
        ("echo 'hello world'", ["echo", "hello world"]),
        (#"echo "hello world""#, ["echo", "hello world"]),
        ("sh -c 'echo $HOME'", ["sh", "-c", "echo $HOME"]),
        (#"echo "a \"b\" c""#, ["echo", #"a "b" c"#]),
        (#"echo "\n""#, ["echo", #"\n"#]),
        (#"echo "\$x \\ \`""#, ["echo", #"$x \ `"#]),
        (#"a\ b"#, ["a b"]),
        (#"it\'s"#, ["it's"]),
        ("''", [""]),
        (#"a "" b"#, ["a", "", "b"]),
        ("a'b'\"c\"d", ["abcd"]),
        (#"'single \ stays'"#, [#"single \ stays"#]),
    ]

    @Test("splits like a POSIX shell, without expansion", arguments: splitCases)
    func splits(_ example: (text: String, words: [String])) {
        #expect(ShellWords.split(example.text) == .success(example.words))
    }

    static let failures: [(text: String, message: String)] = [
        ("echo 'open", "unterminated single quote"),
        (#"echo "open"#, "unterminated double quote"),
        (#"trailing\"#, "ends with a backslash"),
        (#""trailing\"#, "ends with a backslash"),
    ]

    @Test("rejects unbalanced quoting", arguments: failures)
    func rejects(_ example: (text: String, message: String)) {
        #expect(ShellWords.split(example.text) == .failure(.init(message: example.message)))
    }
}
