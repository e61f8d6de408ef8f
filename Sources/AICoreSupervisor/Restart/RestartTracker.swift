import AICoreSpec

/// Decides, exit by exit, whether and when an instance starts again (Nomad's RestartTracker,
/// Kubernetes' CrashLoopBackOff curve). A pure value: time comes from the injected clock and
/// randomness from the injected `Jitter`, so every decision is reproducible in tests.
///
/// - The back-off doubles from the policy's `delay` (default 1s) up to `backoffCap` (5 min), plus
///   up to 10% jitter, and starts over after `resetAfter` (10 min) of stable running.
/// - `delay: 0` is raised to `minimumDelay` (1 ms) so the doubling has something to double: an
///   instance that exits instantly in a loop reaches 1s of back-off after 11 restarts and the cap
///   after 19, so it never spins a core.
/// - `max_attempts` counts restarts within `window` (the instance's whole life without one);
///   once spent, the decision is `failed`.
public struct RestartTracker<C: Clock>: Sendable where C.Duration == Duration {
    public static var backoffCap: Duration { .seconds(300) }
    public static var resetAfter: Duration { .seconds(600) }
    public static var minimumDelay: Duration { .milliseconds(1) }

    /// What survives an agent restart (the Store keeps it with the instance).
    public struct Snapshot: Sendable, Equatable, Codable {
        /// Restarts decided over the instance's life.
        public var restarts: Int
        /// Failures in a row since the last stable run: the exponent of the back-off.
        public var consecutive: Int
        /// How long ago each restart still counted against `max_attempts` was decided (oldest
        /// first): the window's attempts, and with the first of them the window's start.
        public var attemptAges: [Duration]
        public init(restarts: Int = 0, consecutive: Int = 0, attemptAges: [Duration] = []) {
            self.restarts = restarts
            self.consecutive = consecutive
            self.attemptAges = attemptAges
        }
    }

    public let policy: RestartPolicy
    public let clock: C
    public var jitter: Jitter
    public private(set) var restarts: Int
    public private(set) var consecutive: Int
    /// When each restart within the window was decided (oldest first).
    private var attemptTimes: [C.Instant] = []
    private var startedAt: C.Instant?

    public init(policy: RestartPolicy, clock: C, jitter: Jitter = .standard, restoring snapshot: Snapshot = Snapshot()) {
        self.policy = policy
        self.clock = clock
        self.jitter = jitter
        self.restarts = snapshot.restarts
        self.consecutive = snapshot.consecutive
        guard let maxAttempts = policy.maxAttempts else { return }
        if let window = policy.window {
            // An agent restart does not reset the window: the attempts it still covers count.
            let now = clock.now
            attemptTimes = snapshot.attemptAges.filter { $0 >= .zero && $0 < window }.sorted(by: >)
                .map { now.advanced(by: .zero - $0) }
        } else {
            // Without a window the budget covers the whole life, so restored restarts still count.
            attemptTimes = Array(repeating: clock.now, count: min(snapshot.restarts, maxAttempts))
        }
    }

    public var snapshot: Snapshot {
        let now = clock.now
        return Snapshot(restarts: restarts, consecutive: consecutive, attemptAges: attemptTimes.map { $0.duration(to: now) })
    }

    /// The instance started (or was re-adopted running): stable running is measured from here.
    public mutating func recordStart() {
        startedAt = clock.now
    }

    /// A restart the supervisor made by itself, outside the policy (`ExitKind.sharedNetworkReplaced`):
    /// counted, with no back-off and nothing against `max_attempts`.
    public mutating func countRestart() {
        restarts += 1
    }

    /// The back-off before restart number `consecutive + 1`, without jitter.
    public func baseDelay(consecutive: Int) -> Duration {
        var delay = max(policy.delay, Self.minimumDelay)
        for _ in 0..<min(consecutive, 64) {
            delay = delay * 2
            if delay >= Self.backoffCap { return Self.backoffCap }
        }
        return min(delay, Self.backoffCap)
    }

    public mutating func decide(_ exit: ExitKind) -> RestartDecision {
        let now = clock.now
        if let startedAt, startedAt.duration(to: now) >= Self.resetAfter {
            consecutive = 0
        }
        startedAt = nil

        if let refusal = refusal(for: exit) {
            return RestartDecision(action: .doNotRestart, reason: refusal)
        }
        if let window = policy.window {
            attemptTimes.removeAll { $0.duration(to: now) >= window }
        }
        if let maxAttempts = policy.maxAttempts, attemptTimes.count >= maxAttempts {
            let scope = policy.window.map { " within \(DurationText.format($0))" } ?? ""
            return RestartDecision(
                action: .failed,
                reason: "Restart budget spent: \(attemptTimes.count) of max_attempts \(maxAttempts) used\(scope); last: \(exit)")
        }
        let delay = min(jitter.apply(to: baseDelay(consecutive: consecutive)), Self.backoffCap)
        if policy.maxAttempts != nil { attemptTimes.append(now) }
        restarts += 1
        consecutive += 1
        let what = exit.isFailure ? "failed" : "exited"
        return RestartDecision(action: .restart(after: delay),
                               reason: "Back-off \(DurationText.format(delay)) restarting \(what) instance")
    }

    /// Why the policy does not restart this exit, or nil when it does.
    private func refusal(for exit: ExitKind) -> String? {
        if exit == .operatorStop { return "Not restarted: stopped by operator" }
        switch policy.condition {
        case .no:
            return "Not restarted: restart policy is \"no\""
        case .onFailure:
            return exit.isFailure ? nil : "Not restarted: exited successfully under restart policy \"on-failure\""
        case .always, .unlessStopped:
            return nil
        }
    }
}
