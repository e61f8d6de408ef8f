import AICoreController

/// What an operation did or will do: the plan's steps, in order, one line each.
public struct PlanMessage: Codable, Sendable, Equatable {
    public var stack: String
    public var revision: Int?
    public var steps: [String]
    public var starts: [String]
    public var stops: [String]
    /// Named volumes removed (`down -v`).
    public var volumesRemoved: [String]
    /// Instance → why it waits for room.
    public var pending: [String: String]
    /// True when the plan changes nothing that runs.
    public var noOp: Bool

    public init(_ plan: ReconcilePlan, revision: Int? = nil) {
        stack = plan.stack
        self.revision = revision
        steps = plan.steps.map(\.description)
        starts = plan.starts
        stops = plan.stops
        volumesRemoved = plan.removedVolumes
        pending = plan.pending
        noOp = plan.isNoOp
    }
}
