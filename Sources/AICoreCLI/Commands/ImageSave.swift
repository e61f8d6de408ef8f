import AICoreErrors
import AICoreServer
import AICoreSystem
import ArgumentParser
import Foundation

extension ImageCommand {
    /// `aicore-node image save [-o FILE] IMAGE…`: images as one archive, for hosts with no
    /// registry (the inverse of `image load`).
    struct Save: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "save",
            abstract: "Save images to a tar archive (OCI layout, also read by docker load).",
            discussion: """
                Writes the images as one tar: an OCI image layout (`oci-layout`, `index.json` \
                naming each image, `blobs/sha256/…` with every manifest, config and layer as the \
                node stores it, shared layers once) and Docker's `manifest.json` beside it. \
                `image load`, `docker load` (Docker 25+) and `skopeo copy oci-archive:FILE:TAG …` \
                read it. The agent checks every blob against its digest as it sends it; a damaged \
                one fails the save (pull that image again).

                With -o the archive goes to a temporary file beside FILE, which becomes FILE only \
                once it is complete: a failed or interrupted save leaves no file, and an existing \
                FILE as it was. Without -o it goes to standard output, which must not be a \
                terminal. An unknown name exits 2 before anything is written.

                On a host with a registry, then on the host without one:

                  aicore-node image save -o stack.tar redis:7 demo/web:1
                  aicore-node image load -i stack.tar

                  aicore-node image save demo/web:1 | gzip > web.tar.gz
                """
        )

        @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Write to FILE instead of standard output.", valueName: "FILE"))
        var output: String?

        @Argument(help: ArgumentHelp("Image names or IDs (as `image ls` shows them).", valueName: "image"))
        var images: [String]

        @OptionGroup var agent: AgentOptions

        func run() async throws {
            guard output != nil || isatty(STDOUT_FILENO) != 1 else {
                throw CLIFailure.invalid("refusing to write an archive to a terminal; give -o FILE or redirect the output")
            }
            let client = try agent.client()
            let images = images
            let destination = try output.map { path throws(CLIFailure) in try ArchiveDestination.file(path) } ?? .standardOutput
            do {
                try await Self.interruptible(destination) {
                    let body = Array(try ControlAPI.encoder.encode(SaveRequest(images: images)))
                    let stream: AgentStream
                    do throws(AICoreError) {
                        stream = try await client.stream("POST", "/v1/images/save", body: body, contentType: "application/json", timeout: .seconds(60))
                    } catch {
                        throw CLIFailure.from(error)
                    }
                    try await destination.write(stream)
                }
            } catch {
                destination.discard()
                throw error
            }
        }

        /// Runs `body`, but ends on SIGINT or SIGTERM with the partial file removed (exit 130).
        private static func interruptible(_ destination: ArchiveDestination, _ body: @escaping @Sendable () async throws -> Void) async throws {
            let signals = SignalWatcher(signals: [SIGINT, SIGTERM])
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await body()
                    return true
                }
                group.addTask {
                    _ = await signals.next()
                    return false
                }
                defer { group.cancelAll() }
                guard try await group.next() == true else {
                    throw CLIFailure(message: "interrupted\(destination.path.map { "; \($0) was not written" } ?? "")", code: 130)
                }
            }
        }
    }
}
