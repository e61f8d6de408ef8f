/// Text a workload wrote (log lines, probe output in event reasons), made safe for a terminal.
///
/// A log line can carry escape sequences that move the cursor, retitle the window, rewrite
/// what was printed before or (on some terminals) answer back into the shell's input. On a
/// terminal every control character except tab is shown as `\xHH` instead, as journalctl
/// does: ESC and the other C0 controls, DEL, and the C1 controls (U+0080–U+009F, which some
/// terminals take as CSI and friends). Nothing is dropped, so the line stays readable. A
/// backslash is left as it is (JSON logs full of `\"` stay legible), so a literal `\x1b` in
/// the text reads like an escaped ESC; the unchanged bytes are a pipe away (`logs … | cat`),
/// since a pipe or file gets the text unchanged.
enum TerminalText {
    /// `text` with every control character but tab written as `\xHH` (for C1, the code
    /// point: U+009B is `\x9b`).
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count + 8)
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                let hex = String(scalar.value, radix: 16)
                result += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09: false
        case 0x00...0x1f, 0x7f, 0x80...0x9f: true
        default: false
        }
    }
}
