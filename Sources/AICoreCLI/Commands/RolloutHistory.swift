import AICoreServer
import ArgumentParser
import Foundation

extension RolloutCommand {
    /// `aicore-node rollout history SERVICE`: the service's revisions.
    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "history",
            abstract: "List a service's revisions, oldest first, with what made each.",
            discussion: """
                One revision per distinct spec the service was given; `*` marks the one it is at. \
                `x-aicore.rollout.revision_history` earlier revisions are kept (default 10). Going \
                back to an earlier spec records it again under the next number.

                  $ aicore-node rollout history api
                  REVISION  HASH              CAUSE                  CREATED               CURRENT
                  1         3f9c2a7d41b0e6c8  apply                  2025-05-02T09:14:03Z
                  2         a81d07e5c2f49b36  set LOG_LEVEL=…        2025-05-02T09:20:41Z  *
                """
        )

        enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

        @OptionGroup var target: ServiceTarget

        @Option(name: .long, help: "table or json.")
        var format: Format = .table

        func run() async throws {
            let (client, _, path) = try await target.resolve()
            let revisions = try await client.call("GET", path + "/revisions", as: [ServiceRevisionMessage].self)
            switch format {
            case .json:
                print(try prettyJSON(revisions))
            case .table:
                let table = Table.render(header: ["REVISION", "HASH", "CAUSE", "CREATED", "CURRENT"], rows: revisions.map {
                    [String($0.revision), $0.specHash, $0.cause, $0.createdAt, $0.current ? "*" : ""]
                })
                // CURRENT is empty on every row but one: no trailing blanks.
                for line in table.split(separator: "\n", omittingEmptySubsequences: false) {
                    print(String(line.reversed().drop { $0 == " " }.reversed()))
                }
            }
        }
    }
}
