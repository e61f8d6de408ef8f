import AICoreErrors
import AICoreLayerFS
import AICoreServer
import AICoreSystem
import ArgumentParser
import Foundation

/// `aicore-node cp`: files between an instance and the host, as `docker compose cp` copies them.
struct Cp: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy files or directories between an instance and the host.",
        usage: """
            aicore-node cp [OPTIONS] SERVICE[:INDEX]:SRC_PATH DEST_PATH|-
            aicore-node cp [OPTIONS] SRC_PATH|- SERVICE[:INDEX]:DEST_PATH
            """,
        discussion: """
            The agent reads and writes the instance's files as the instance sees them, its \
            volumes and tmpfs mounts included; the instance must be running. Every path in \
            the instance is resolved inside its root: its symlinks, absolute or with `..`, \
            never lead out of it. A copy into an instance never writes through a symlink, \
            refuses an archive with absolute or `..` names (writing nothing), and never makes \
            device nodes; without -a, what it makes is owned by root and loses setuid and \
            setgid bits.

            As `docker cp`: copying onto an existing directory puts the source inside it, else \
            the copy takes DEST_PATH's name (its parent must exist). `-` reads a tar from \
            standard input (into a directory of the instance) or writes one to standard output.

            SERVICE is the first replica unless :INDEX or --index names another, or an \
            instance's full name (`ps` shows them); --all copies into every replica.

              aicore-node cp web:/etc/nginx/nginx.conf ./nginx.conf
              aicore-node cp ./site web:2:/usr/share/nginx/html
              aicore-node cp --all ./config.yml web:/etc/app/
              aicore-node cp web:/var/log - | tar t
            """
    )

    @Option(name: .long, help: "The replica of the service (1, 2, …) when the path names none.")
    var index: Int?

    @Flag(name: .long, help: "Copy into every replica of the service.")
    var all = false

    @Flag(name: [.short, .customLong("archive")], help: "Keep owners (uid and gid) and setuid/setgid bits.")
    var archive = false

    @Flag(name: [.customShort("L"), .customLong("follow-link")], help: "Follow a symlink given as SRC_PATH.")
    var followLink = false

    @OptionGroup var selection: StackSelection
    @OptionGroup var agent: AgentOptions

    @Argument(help: "SERVICE[:INDEX]:SRC_PATH, or a host path, or - (a tar on standard input).")
    var source: String

    @Argument(help: "A host path, or - (a tar on standard output), or SERVICE[:INDEX]:DEST_PATH.")
    var destination: String

    func run() async throws {
        switch (try Self.side(source), try Self.side(destination)) {
        case (.instance, .instance):
            throw CLIFailure.invalid("copying between two instances is not supported; copy to the host first")
        case (.host, .host):
            throw CLIFailure.invalid("one of SRC_PATH and DEST_PATH must name an instance (SERVICE:PATH)")
        case let (.instance(target, path), .host(local)):
            guard !all else { throw CLIFailure.invalid("--all copies into instances; a copy out reads one") }
            let client = try agent.client()
            let instance = try await instances(target, client: client)[0]
            try await CopyOut(client: client, instance: instance.id, path: path, followLink: followLink, keepOwners: archive).run(to: local)
        case let (.host(local), .instance(target, path)):
            let client = try agent.client()
            let chosen = try await instances(target, client: client)
            try await CopyIn(client: client, source: local, followLink: followLink, keepOwners: archive)
                .run(into: all ? chosen : [chosen[0]], path: path)
        }
    }

    /// One side of a copy: a host path (`-` for standard input or output), or a path in an
    /// instance named by its service (with a replica) or its full name.
    enum Side: Equatable {
        case host(String)
        case instance(String, path: String)
    }

    /// Docker's rule: a side is the host's when it is `-`, starts with `/` or `.`, or has no
    /// `:`; else what comes before the first `:` is the instance, and a number after it the
    /// replica (`web:2:/etc`).
    static func side(_ argument: String) throws -> Side {
        if argument == "-" || argument.hasPrefix("/") || argument.hasPrefix(".") { return .host(argument) }
        guard let colon = argument.firstIndex(of: ":") else { return .host(argument) }
        let target = String(argument[..<colon])
        var path = String(argument[argument.index(after: colon)...])
        guard !target.isEmpty else { throw CLIFailure.invalid("\(argument): name the service before the `:`") }
        if let second = path.firstIndex(of: ":"), let replica = Int(path[..<second]) {
            guard replica > 0 else { throw CLIFailure.invalid("\(argument): the index is a replica number (1, 2, …)") }
            path = String(path[path.index(after: second)...])
            return .instance("\(target)/\(replica)", path: path)
        }
        guard !path.isEmpty else { throw CLIFailure.invalid("\(argument): give the path in the instance after the `:`") }
        return .instance(target, path: path)
    }

    /// The instances meant, in replica order: `--index` picks one when the path did not.
    func instances(_ target: String, client: AgentClient) async throws -> [InstanceStatus] {
        var target = target
        if let index {
            guard index > 0 else { throw CLIFailure.invalid("--index is a replica number (1, 2, …), not \(index)") }
            guard !target.contains("/") else { throw CLIFailure.invalid("give the replica once: as SERVICE:INDEX or as --index") }
            target += "/\(index)"
        }
        return try await InstanceTarget.resolve(target, client: client, selection: selection.stackFiles)
    }
}
