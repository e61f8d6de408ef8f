/// Threshold logic of one probe, Kubernetes' and Docker's rules as a pure value: how many
/// results in a row flip it, and a grace period in which failures do not count.
public struct ProbeTracker: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable, Codable {
        /// No verdict yet (readiness: not ready; Compose: `starting`).
        case unknown
        case passing
        case failing
    }

    public let successThreshold: Int
    public let failureThreshold: Int
    /// Compose `start_period`: failures in it do not count, and a success ends it early.
    public let gracePeriod: Duration
    public private(set) var status: Status
    public private(set) var consecutiveSuccesses = 0
    public private(set) var consecutiveFailures = 0
    /// Set by the first success: the grace period is over for good.
    private var graceEnded = false

    public init(successThreshold: Int, failureThreshold: Int, gracePeriod: Duration = .zero, initial: Status = .unknown) {
        self.successThreshold = max(successThreshold, 1)
        self.failureThreshold = max(failureThreshold, 1)
        self.gracePeriod = gracePeriod
        self.status = initial
    }

    /// Whether a check made `elapsed` after the instance started still falls in the grace period.
    public func inGracePeriod(elapsed: Duration) -> Bool {
        !graceEnded && elapsed < gracePeriod
    }

    /// Records one result made `elapsed` after the instance started; returns the new status
    /// when it changed.
    public mutating func record(passed: Bool, elapsed: Duration = .zero) -> Status? {
        let before = status
        if passed {
            graceEnded = true
            consecutiveFailures = 0
            consecutiveSuccesses += 1
            if consecutiveSuccesses >= successThreshold { status = .passing }
        } else {
            consecutiveSuccesses = 0
            if inGracePeriod(elapsed: elapsed) { return nil }
            consecutiveFailures += 1
            if consecutiveFailures >= failureThreshold { status = .failing }
        }
        return status == before ? nil : status
    }
}
