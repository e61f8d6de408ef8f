#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// Questions asked on the terminal: a line as typed, or a secret with echo off (as `docker
/// login` asks for a password). Whether stdin is a terminal is the caller's question.
enum TerminalPrompt {
    /// `prompt`, then one line from stdin without its newline; nil at end of input.
    static func line(_ prompt: String) -> String? {
        // Unbuffered: the question must be on the terminal before the answer is read.
        FileHandle.standardOutput.write(Data(prompt.utf8))
        return readLine(strippingNewline: true)
    }

    /// `prompt`, then one line read with echo off. The terminal's settings come back when the
    /// line is read, and also on Ctrl-C, which otherwise would leave the shell blind.
    static func secret(_ prompt: String) -> String? {
        FileHandle.standardOutput.write(Data(prompt.utf8))
        var original = termios()
        guard tcgetattr(STDIN_FILENO, &original) == 0 else { return readLine(strippingNewline: true) }
        savedTerminal = original
        let previous = signal(SIGINT, restoreTerminalAndDie)
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        let answer = readLine(strippingNewline: true)
        _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &original)
        signal(SIGINT, previous)
        // The newline the user typed was not echoed.
        FileHandle.standardOutput.write(Data("\n".utf8))
        return answer
    }
}

// Written once before the SIGINT handler is installed and only read by it: a C signal handler
// cannot capture, and this is the one value it needs.
nonisolated(unsafe) private var savedTerminal = termios()

/// SIGINT while a secret is read: the terminal's echo back on, then the default death (tcsetattr,
/// signal and raise are async-signal-safe).
private func restoreTerminalAndDie(_ number: Int32) {
    _ = tcsetattr(STDIN_FILENO, TCSANOW, &savedTerminal)
    _ = write(STDOUT_FILENO, "\n", 1)
    signal(number, SIG_DFL)
    raise(number)
}
