import Foundation

/// The question a prune asks before it removes anything, as Docker's do: `-f` skips it, and a
/// stdin that is not a terminal (a script) gets an error rather than a silent yes or no.
enum PruneConfirmation {
    static func ask(_ command: String, warning: String) throws {
        guard isatty(STDIN_FILENO) == 1 else {
            throw CLIFailure.invalid("\(command) asks before it removes anything and stdin is not a terminal; pass -f to prune without asking")
        }
        // Unbuffered: the question must be on the terminal before the answer is read.
        FileHandle.standardOutput.write(Data("\(warning)\nAre you sure you want to continue? [y/N] ".utf8))
        guard ["y", "yes"].contains((readLine() ?? "").trimmingCharacters(in: .whitespaces).lowercased()) else {
            throw CLIFailure.failed("\(command) cancelled; nothing was removed")
        }
    }
}
