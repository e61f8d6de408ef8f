import AICoreSupervisor

/// What reconciling one stack does, in order. Empty when the node already matches the stack:
/// re-applying an unchanged stack changes nothing.
public struct ReconcilePlan: Sendable, Hashable, CustomStringConvertible {
    public var stack: String
    public var steps: [ReconcileStep]

    public init(stack: String, steps: [ReconcileStep] = []) {
        self.stack = stack
        self.steps = steps
    }

    /// Nothing to start, stop, create or remove (bookkeeping and gates alone do not count).
    public var isNoOp: Bool { !steps.contains { $0.changesWorkload } }

    /// Instances started, in order.
    public var starts: [String] {
        steps.compactMap { if case let .start(id, _, _, _) = $0 { id } else { nil } }
    }

    /// Instances stopped, in order.
    public var stops: [String] {
        steps.compactMap { if case let .stop(id, _, _) = $0 { id } else { nil } }
    }

    /// Named volumes removed (`down -v`), by their names on the node (`<stack>_<key>`), in order.
    public var removedVolumes: [String] {
        steps.compactMap { if case let .removeVolume(key, _) = $0 { SupervisorLayout.volumeName(stack: stack, volume: key) } else { nil } }
    }

    /// Instances left waiting for room, with their reasons.
    public var pending: [String: String] {
        var result: [String: String] = [:]
        for case let .pending(id, _, _, reason) in steps { result[id] = reason }
        return result
    }

    public var description: String {
        steps.isEmpty ? "\(stack): nothing to do" : steps.map { "\(stack): \($0)" }.joined(separator: "\n")
    }
}
