#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import AICoreServer
import ArgumentParser
import Foundation

/// `aicore-node login [SERVER]`: registry credentials for the agent's pulls, as `docker login`.
struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Log the agent in to a registry (Docker Hub by default).",
        discussion: """
            The agent pulls, so the agent logs in: it checks the credentials against the \
            registry first, as `docker login` does (GET /v2/, then Basic credentials or a \
            token from the registry's token service), and stores them only when the registry \
            accepts them, in its own credentials file <state-dir>/auth.json (mode 0600, \
            Docker's config.json format). Pulls look there first, then in $REGISTRY_AUTH_FILE \
            and ~/.docker/config.json. Refused credentials exit 1 and change nothing.

            SERVER is a host[:port]; a scheme and a path are dropped (`https://index.docker.io/v1/` \
            is Docker Hub, `http://127.0.0.1:5000/` is 127.0.0.1:5000). On a terminal a missing \
            user name and password are asked for (the password without echo). In scripts, pass \
            the password on stdin with --password-stdin: -p leaves it in the shell's history \
            and the process list.

              aicore-node login registry.example.com
              echo "$TOKEN" | aicore-node login ghcr.io -u ci-bot --password-stdin
              aicore-node login 127.0.0.1:5000 -u alice
            """
    )

    @Argument(help: ArgumentHelp("The registry: host[:port] (default docker.io).", valueName: "server"))
    var server: String?

    @Option(name: [.short, .long], help: "The user name.")
    var username: String?

    @Option(name: [.short, .long], help: "The password or access token (insecure: use --password-stdin).")
    var password: String?

    @Flag(name: .customLong("password-stdin"), help: "Read the password from stdin (one trailing newline is dropped).")
    var passwordStdin = false

    @OptionGroup var agent: AgentOptions

    func validate() throws {
        if password != nil, passwordStdin {
            throw ValidationError("--password and --password-stdin are mutually exclusive")
        }
        if passwordStdin, (username ?? "").isEmpty {
            throw ValidationError("--password-stdin needs the user name in --username (-u)")
        }
    }

    func run() async throws {
        let interactive = isatty(STDIN_FILENO) == 1
        var password = self.password
        if password != nil {
            writeStderr("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n")
        }
        if passwordStdin {
            password = Self.passwordFromStdin()
        }
        var username = self.username
        if username.map({ $0.isEmpty }) ?? true {
            guard interactive else {
                throw CLIFailure.invalid("login needs a user name and stdin is not a terminal; pass -u USER and the password with --password-stdin")
            }
            username = TerminalPrompt.line("Username: ")?.trimmingCharacters(in: .whitespaces)
        }
        if password == nil {
            guard interactive else {
                throw CLIFailure.invalid("login needs a password and stdin is not a terminal; pass it with --password-stdin")
            }
            password = TerminalPrompt.secret("Password: ")
        }
        guard let username, !username.isEmpty else { throw CLIFailure.invalid("login needs a user name") }
        guard let password, !password.isEmpty else { throw CLIFailure.invalid("login needs a password") }
        let request = RegistryLoginRequest(registry: server, username: username, password: password)
        _ = try await agent.client().call("POST", "/v1/registries/login", json: request, as: RegistryLogin.self)
        print("Login Succeeded")
    }

    /// All of stdin, less one trailing newline (and a CR before it), as Docker reads it.
    static func passwordFromStdin() -> String {
        var text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        if text.hasSuffix("\r") { text.removeLast() }
        return text
    }
}
