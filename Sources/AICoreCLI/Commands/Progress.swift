import AICoreServer
import Foundation

/// What `up` shows while a stack converges: a table redrawn in place on a terminal, one line
/// per change otherwise.
enum Progress {
    static func printPlan(_ plan: PlanMessage) {
        if plan.noOp {
            Output.line("stack \(plan.stack): up to date (revision \(plan.revision.map(String.init) ?? "?"))")
            return
        }
        Output.line("stack \(plan.stack): revision \(plan.revision.map(String.init) ?? "?"), \(plan.starts.count) to start, \(plan.stops.count) to stop")
        for (instance, reason) in plan.pending.sorted(by: { $0.key < $1.key }) {
            Output.line("  \(instance) pending: \(reason)")
        }
    }

    static var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Polls the stack until it converges (true), fails (false, with the reason on stderr), or
    /// `timeout` passes (false).
    static func waitUntilConverged(client: AgentClient, stack: String, timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        var lastLines: [String] = []
        var drawn = 0
        while ContinuousClock.now < deadline {
            try Task.checkCancellation()
            let status = try await client.call("GET", "/v1/stacks/\(urlEncoded(stack))", as: StackStatus.self)
            let lines = status.services.map(describe)
            if isTerminal {
                var text = drawn > 0 ? "\u{1B}[\(drawn)A" : ""
                for line in lines { text += "\u{1B}[2K" + line + "\n" }
                FileHandle.standardOutput.write(Data(text.utf8))
                drawn = lines.count
            } else {
                for line in lines where !lastLines.contains(line) { Output.line(line) }
            }
            lastLines = lines
            if status.converged {
                Output.line("stack \(stack): every service is up")
                return true
            }
            if let failure = failure(of: status) {
                FileHandle.standardError.write(Data("aicore-node: stack \(stack) failed: \(failure)\n".utf8))
                return false
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        FileHandle.standardError.write(Data("aicore-node: stack \(stack) not up after \(timeout); `aicore-node ps` and `logs` say why\n".utf8))
        return false
    }

    static func describe(_ service: ServiceStatus) -> String {
        var parts = ["\(service.ready)/\(service.desired) ready"]
        if service.completed > 0 { parts.append("\(service.completed) completed") }
        if service.pending > 0 { parts.append("\(service.pending) pending") }
        if service.failed > 0 { parts.append("\(service.failed) failed") }
        if service.stopped > 0 { parts.append("\(service.stopped) stopped") }
        let mark = service.converged ? "✔" : "…"
        return " \(mark) \(service.name.padding(toLength: max(12, service.name.count), withPad: " ", startingAt: 0)) \(parts.joined(separator: ", "))"
    }

    /// Why the stack cannot converge, when it cannot.
    static func failure(of status: StackStatus) -> String? {
        if let operation = status.operation, operation.phase == "failed" {
            return operation.message ?? "the apply failed"
        }
        // While the agent still applies (a rollout, whose failure_action decides what a failed
        // new replica means), its verdict is awaited: it says why, and may go on regardless.
        if status.operation?.phase != "applying", let failed = status.services.first(where: { $0.failed > 0 }) {
            return "service \(failed.name) has \(failed.failed) failed instance(s); `aicore-node ps -a` and `logs \(failed.name)` say why"
        }
        return nil
    }

    /// Prints the stack's events as they happen, until cancelled or the agent goes away.
    static func followEvents(client: AgentClient, stack: String?) async throws {
        let query = stack.map { "?stack=\(urlEncoded($0))" } ?? ""
        let stream: AgentStream
        do {
            stream = try await client.stream("GET", "/v1/events\(query)")
        } catch {
            throw CLIFailure.from(error)
        }
        for try await event in ServerSentEvents.parse(stream.chunks) {
            if event.event == "overflow", let overflow = try? ControlAPI.decoder.decode(StreamOverflowMessage.self, from: Data(event.data.utf8)) {
                throw CLIFailure.failed("events: \(overflow.message)")
            }
            guard let message = try? ControlAPI.decoder.decode(EventMessage.self, from: Data(event.data.utf8)) else { continue }
            Output.workloadLine(format(message))
        }
    }

    static func format(_ event: EventMessage) -> String {
        let subject = event.instance.isEmpty ? event.stack : event.instance
        return "\(event.time) \(subject) \(event.type): \(event.reason)"
    }
}
