import AICoreServer
import Foundation

/// What `logs`, `exec` and `inspect` name: an instance by its full name (of any stack, as `ps`
/// shows it), or `SERVICE` (every replica) or `SERVICE/N` (one) of the selected stack.
enum InstanceTarget {
    /// The instances meant, in replica order.
    static func resolve(_ target: String, client: AgentClient, selection: StackFiles) async throws -> [InstanceStatus] {
        // A full instance name needs no -p: it names its stack already.
        if !selection.isExplicit {
            let all = try await client.call("GET", "/v1/instances", as: [InstanceStatus].self)
            if let exact = all.first(where: { $0.id == target }) { return [exact] }
        }
        let stack = try await selection.resolve(client)
        let instances = try await client.call("GET", "/v1/instances?stack=\(urlEncoded(stack))", as: [InstanceStatus].self)
        if let exact = instances.first(where: { $0.id == target }) { return [exact] }
        let parts = target.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let service = parts[0]
        var chosen = instances.filter { $0.service == service }
        if parts.count == 2 {
            guard let replica = Int(parts[1]), replica > 0 else {
                throw CLIFailure.invalid("\(target): expected SERVICE/N with N a replica number (1, 2, …)")
            }
            chosen = chosen.filter { $0.replica == replica }
        }
        guard chosen.isEmpty else { return chosen }
        // Say what there is: the stack's services (from its status: a service may have no
        // instance yet), or that the stack is not there at all.
        let status = try await client.call("GET", "/v1/stacks/\(urlEncoded(stack))", as: StackStatus.self)
        let services = status.services.map(\.name)
        guard services.contains(service) else {
            throw CLIFailure.invalid("stack \(stack) has no service \(service); it has \(services.joined(separator: ", "))")
        }
        let replicas = instances.filter { $0.service == service }.map { "\(service)/\($0.replica)" }
        throw CLIFailure.invalid("service \(service) of stack \(stack) has no instance \(target)"
            + (replicas.isEmpty ? "" : "; it has \(replicas.joined(separator: ", "))"))
    }
}
