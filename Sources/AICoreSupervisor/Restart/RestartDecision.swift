/// What the restart tracker decided about one exit, with the reason people read in events.
public struct RestartDecision: Sendable, Equatable, CustomStringConvertible {
    public enum Action: Sendable, Equatable {
        /// Start the instance again once this back-off has passed.
        case restart(after: Duration)
        /// The policy does not restart this exit: the instance stays exited.
        case doNotRestart
        /// The restart budget (`max_attempts` within `window`) is spent: the instance is failed.
        case failed
    }

    public var action: Action
    /// `Back-off 20s restarting failed instance`, `Restart budget spent: …`.
    public var reason: String

    public init(action: Action, reason: String) {
        self.action = action
        self.reason = reason
    }

    public var description: String { reason }
}
