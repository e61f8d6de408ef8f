import AICoreServer
import ArgumentParser

/// `aicore-node wait`: Compose's `wait`, until the services' instances exit.
struct Wait: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Block until services' instances are not running, print their exit codes, and exit with the first one's.",
        discussion: """
            One line per instance, in the order named: `INSTANCE EXIT_CODE` (`-` when it never ran \
            or its status is unknown). An instance already exited counts at once; one that its \
            restart policy restarts counts at its exit. The command exits with the first instance's \
            code (in the order named; 1 when unknown). With --down-project it returns at the first \
            exit, printing the instances exited by then, and takes the stack down.
            """
    )

    @Argument(help: "One or more services.")
    var services: [String]

    @Flag(name: .customLong("down-project"), help: "Take the stack down (as `down`) as soon as one instance has exited.")
    var downProject = false

    @OptionGroup var selection: StackSelection
    @OptionGroup var agent: AgentOptions

    func run() async throws {
        guard !services.isEmpty else { throw CLIFailure.invalid("name at least one service") }
        let client = try agent.client()
        let stack = try await selection.resolve(client)
        let exited = downProject ? try await firstExit(client, stack) : try await allExits(client, stack)
        for instance in exited { print("\(instance.instance) \(instance.exitCode.map(String.init) ?? "-")") }
        if downProject {
            _ = try await client.call("DELETE", "/v1/stacks/\(urlEncoded(stack))", as: PlanMessage.self, timeout: .seconds(900))
            print("stack \(stack): down")
        }
        let code = exited.first.map { $0.exitCode ?? 1 } ?? 0
        if code != 0 { throw ExitCode(code) }
    }

    /// Every instance of the services, once none runs, in the order named. Each request waits up
    /// to 30 s on the agent: asking again holds no connection open past its idle timeout.
    private func allExits(_ client: AgentClient, _ stack: String) async throws -> [WaitResult.Exited] {
        var all: [WaitResult.Exited] = []
        for service in services {
            var result: WaitResult
            repeat {
                try Task.checkCancellation()
                result = try await client.call("POST", ServiceListOptions.path(stack, service, "wait"), as: WaitResult.self,
                                               timeout: .seconds(90))
            } while !result.running.isEmpty
            all += result.exited
        }
        return all
    }

    /// The instances that are not running once the first of them is (Compose's `--down-project`
    /// takes the project down at the first exit): the services are asked in turn, each for a
    /// moment.
    private func firstExit(_ client: AgentClient, _ stack: String) async throws -> [WaitResult.Exited] {
        while true {
            for service in services {
                try Task.checkCancellation()
                let result = try await client.call("POST", ServiceListOptions.path(stack, service, "wait") + "?timeout=\(services.count == 1 ? 30 : 1)",
                                                   as: WaitResult.self, timeout: .seconds(90))
                if !result.exited.isEmpty { return result.exited }
            }
        }
    }
}
