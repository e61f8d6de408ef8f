import ArgumentParser

/// `aicore-node create`: `up --no-start`, as `docker compose create` is. The line is rewritten
/// to `up --no-start` before it is parsed (`ComposeGlobalOptions.createAsUp`); this command is
/// here for `aicore-node --help`.
struct Create: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a stack's instances, networks and volumes without starting them (up --no-start).",
        discussion: "Takes up's options (see `aicore-node up --help`). `start` or `up` starts what it created."
    )

    func run() throws {
        throw CLIFailure.invalid("`create` is `up --no-start`; run that")
    }
}
