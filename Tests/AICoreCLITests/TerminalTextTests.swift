import Testing
@testable import AICoreCLI

/// What `logs` and `events` print on a terminal for text a workload wrote.
@Suite struct TerminalTextTests {
    @Test(arguments: [
        ("plain text, tabs\tand UTF-8 é ✓", "plain text, tabs\tand UTF-8 é ✓"),
        ("\u{1b}[2J\u{1b}]0;owned\u{07}title", "\\x1b[2J\\x1b]0;owned\\x07title"),
        ("carriage\rreturn and\nnewline", "carriage\\x0dreturn and\\x0anewline"),
        ("nul\u{0}bs\u{8}del\u{7f}", "nul\\x00bs\\x08del\\x7f"),
        ("c1 csi\u{9b}31m and \u{80} and \u{9f}", "c1 csi\\x9b31m and \\x80 and \\x9f"),
        ("no-break\u{a0}space stays", "no-break\u{a0}space stays"),
        ("", ""),
    ])
    func controlCharactersAreEscapedAndNothingIsLost(_ text: String, _ expected: String) {
        #expect(TerminalText.escaped(text) == expected)
    }
}
