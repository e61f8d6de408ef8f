import AICoreServer
import ArgumentParser

extension VolumeCommand {
    /// `aicore-node volume inspect NAME…`: volumes in full, as JSON.
    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect",
            abstract: "Show volumes in full, as a JSON array: stack, key, path, owner, labels, creation time, user.")

        @Argument(help: "Volume names (as `volume ls` shows them).")
        var names: [String]

        @OptionGroup var agent: AgentOptions

        func run() async throws {
            let client = try agent.client()
            var found: [VolumeStatus] = []
            // The volumes found are printed even when another name is unknown, as Docker does.
            do {
                try await VolumeCommand.each(names) { name in
                    found.append(try await client.call("GET", "/v1/volumes/\(urlEncoded(name))", as: VolumeStatus.self))
                }
            } catch {
                if !found.isEmpty { print(try prettyJSON(found)) }
                throw error
            }
            print(try prettyJSON(found))
        }
    }
}
