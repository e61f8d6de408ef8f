import ArgumentParser

/// `aicore-node config`: check and show stack files.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Validate a stack file, or print it normalized.",
        subcommands: [ConfigValidate.self, ConfigPrint.self]
    )
}
