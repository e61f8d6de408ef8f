import AICoreServer
import ArgumentParser
import Foundation

extension VolumeCommand {
    /// `aicore-node volume prune`: removes the volumes nothing on the node can use any more.
    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prune",
            abstract: "Remove every volume of a stack that is no longer on the node.",
            discussion: """
                Also removes the directories under the agent's volumes that have no record and \
                whose name starts with no stack on the node (`volume ls` shows them with STACK \
                `-`). Asks first, as Docker does; -f removes without asking. Without -f, stdin \
                must be a terminal: a script passes -f.
                """
        )

        static let warning = "WARNING! This will remove every volume of a stack that is no longer on this node, with its data."

        @Flag(name: [.short, .customLong("force")], help: "Do not ask.")
        var force = false

        @OptionGroup var agent: AgentOptions

        func run() async throws {
            let client = try agent.client()
            if !force { try PruneConfirmation.ask("volume prune", warning: Self.warning) }
            let removal = try await client.call("POST", "/v1/volumes/prune", as: VolumeRemoval.self, timeout: .seconds(900))
            if !removal.removed.isEmpty {
                print("Deleted Volumes:")
                for name in removal.removed { print(name) }
                print("")
            }
            print("Total reclaimed space: \(Self.humanSize(removal.bytesFreed))")
        }

        /// Docker's sizes: decimal units, four significant digits (`4.096kB`, `0B`).
        static func humanSize(_ bytes: UInt64) -> String {
            let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
            var value = Double(bytes)
            var unit = 0
            while value >= 1000, unit < units.count - 1 {
                value /= 1000
                unit += 1
            }
            return String(format: "%.4g", value) + units[unit]
        }
    }
}
