import ArgumentParser

/// `aicore-node config`: check and show stack files.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Validate a stack file, or print it normalized (`config` alone prints, as `docker compose config`).",
        subcommands: [ConfigValidate.self, ConfigPrint.self],
        defaultSubcommand: ConfigPrint.self
    )
}
