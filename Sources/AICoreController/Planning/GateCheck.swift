import AICoreSpec
import AICoreStore
import AICoreSupervisor

/// What a node says about one instance, enough to judge a gate.
public struct InstanceSnapshot: Sendable, Hashable {
    public var state: InstanceState
    public var ready: Bool
    public var lastExit: String?
    public var lastExitCode: Int32?
    /// Nothing will start it again (exited without restart, failed, or stopped).
    public var finished: Bool

    public init(state: InstanceState, ready: Bool = false, lastExit: String? = nil, lastExitCode: Int32? = nil,
                finished: Bool = false) {
        self.state = state
        self.ready = ready
        self.lastExit = lastExit
        self.lastExitCode = lastExitCode
        self.finished = finished
    }
}

/// Whether an instance satisfies a gate's condition.
public enum GateVerdict: Sendable, Hashable {
    case met
    case waiting
    /// It never will: the reason says why.
    case failed(String)
}

/// Judges one instance against a `depends_on` condition. Pure.
///
/// - `service_started`: it runs (or ran and exited 0).
/// - `service_healthy`: it is ready (its healthcheck and readiness probe pass).
/// - `service_completed_successfully`: it exited 0.
///
/// An instance that ended for good in a state the condition cannot accept fails the gate; one
/// that is starting, backing off or restarting keeps it waiting.
public enum GateCheck {
    public static func verdict(_ condition: ServiceDependency.Condition, _ snapshot: InstanceSnapshot) -> GateVerdict {
        let ended = snapshot.state == .failed || (snapshot.finished && !snapshot.state.isActive)
        let exit = snapshot.lastExit ?? "exited"
        switch condition {
        case .serviceStarted:
            switch snapshot.state {
            case .running, .healthy, .unhealthy: return .met
            default:
                if snapshot.lastExitCode == 0 && !snapshot.state.isActive { return .met }
                return ended ? .failed("ended without staying up: \(exit)") : .waiting
            }
        case .serviceHealthy:
            if snapshot.ready { return .met }
            return ended ? .failed("ended before becoming healthy: \(exit)") : .waiting
        case .serviceCompletedSuccessfully:
            if !snapshot.state.isActive && snapshot.state != .created, snapshot.lastExitCode == 0 { return .met }
            if ended { return .failed("did not complete successfully: \(exit)") }
            return .waiting
        }
    }
}
