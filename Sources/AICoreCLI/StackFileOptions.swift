import AICoreSpec
import ArgumentParser

/// The options every command that reads stack files shares, as in `docker compose`.
struct StackFileOptions: ParsableArguments {
    @Option(name: [.short, .customLong("file")], help: "A stack file; repeat to merge several (later files override earlier ones). Default: compose.yaml (or compose.yml, docker-compose.yaml, docker-compose.yml) here or in a parent directory.")
    var files: [String] = []

    @Option(name: .customLong("env-file"), help: "A file of KEY=VALUE lines for interpolation; overrides the environment and .env.")
    var envFiles: [String] = []

    @Option(name: .customLong("profile"), help: "Enable services of this profile; repeat for several.")
    var profiles: [String] = []

    @Option(name: [.short, .customLong("project-name")], help: "The stack name (overrides `name:` in the file).")
    var projectName: String?

    var stackFiles: StackFiles {
        StackFiles(files: files, envFiles: envFiles, profiles: profiles, projectName: projectName)
    }

    func loadOptions(strict: Bool) throws -> StackLoadOptions { try stackFiles.loadOptions(strict: strict) }

    func load(strict: Bool) throws -> LoadedStack { try stackFiles.load(strict: strict) }
}
