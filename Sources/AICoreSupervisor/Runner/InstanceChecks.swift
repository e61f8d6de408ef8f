import AICoreSpec

/// What an instance's checks say. Every result of its Compose healthcheck and Kubernetes probes
/// goes through that check's `ProbeTracker` here, into the probe log, and comes out as what the
/// runner must do about it. A pure value: the runner owns the timing, the processes, the state
/// and the events.
struct InstanceChecks {
    /// What a result means for the instance.
    struct Verdict: Equatable {
        struct Kill: Equatable {
            var kind: ExitKind
            var reason: String
        }

        /// Health or readiness changed: the state and readiness follow, with this reason.
        var changed: String?
        /// An event that changes no state.
        var note: String?
        /// The instance must be stopped (after `changed`, when both are set).
        var kill: Kill?

        /// The result is only kept.
        static let kept = Verdict()
    }

    private let healthcheck: Healthcheck?
    private let probes: ProbeSet
    /// `x-aicore.restart_unhealthy`, with a restart policy that restarts at all.
    private let restartsUnhealthy: Bool
    /// nil without the check, or (startup) when it does not run.
    private(set) var health: ProbeTracker?
    private(set) var startup: ProbeTracker?
    private(set) var liveness: ProbeTracker?
    private(set) var readiness: ProbeTracker?
    /// The last `ProbeResult.kept` results per check, oldest first.
    private(set) var log: [ProbeResult] = []

    init(healthcheck: Healthcheck?, probes: ProbeSet, restartsUnhealthy: Bool) {
        self.healthcheck = healthcheck
        self.probes = probes
        self.restartsUnhealthy = restartsUnhealthy
    }

    init(_ configuration: RunnerConfiguration) {
        self.init(healthcheck: configuration.healthcheck, probes: configuration.probes,
                  restartsUnhealthy: configuration.restartUnhealthy && configuration.restart.condition != .no)
    }

    /// A process starts running, or is re-adopted: its checks know nothing yet, or resume from
    /// what they said before the agent restarted (then with no start period and no startup probe
    /// again). Set before the state says `running`, or that transition would see no checks at
    /// all and call a fresh instance ready before its first probe.
    mutating func begin(resumed: ProbeSnapshot? = nil) {
        health = healthcheck.map {
            ProbeTracker(successThreshold: 1, failureThreshold: $0.retries, gracePeriod: resumed == nil ? $0.startPeriod : .zero,
                         initial: resumed.map { ProbeSnapshot.status($0.health) } ?? .unknown)
        }
        startup = resumed == nil ? probes.startup.map { ProbeTracker(successThreshold: 1, failureThreshold: $0.failureThreshold) } : nil
        liveness = probes.liveness.map { ProbeTracker(successThreshold: 1, failureThreshold: $0.failureThreshold, initial: .passing) }
        readiness = probes.readiness.map {
            ProbeTracker(successThreshold: $0.successThreshold, failureThreshold: $0.failureThreshold,
                         initial: resumed?.ready == true ? .passing : .unknown)
        }
    }

    /// The process ended: no verdict until the next one runs.
    mutating func end() {
        begin()
    }

    /// The verdicts readiness depends on: the healthcheck's and the readiness probe's.
    var statuses: [ProbeTracker.Status] { [health?.status, readiness?.status].compactMap { $0 } }

    /// Every check readiness depends on passes (true when there is none).
    var allPass: Bool { statuses.allSatisfy { $0 == .passing } }

    /// Compose's `starting|healthy|unhealthy`; nil without a healthcheck or before a first start.
    var healthText: String? {
        switch health?.status {
        case .passing?: "healthy"
        case .failing?: "unhealthy"
        case .unknown?: "starting"
        case nil: nil
        }
    }

    /// Once the startup probe passed, liveness and readiness run; true without one.
    var startupPassed: Bool { startup.map { $0.status == .passing } ?? true }

    /// Records one result of `which`, made `elapsed` after the process started.
    mutating func record(_ which: ProbeResult.Probe, _ outcome: ProbeOutcome, start: String, end: String,
                         elapsed: Duration) -> Verdict {
        keep(ProbeResult(probe: which, start: start, end: end, passed: outcome.passed, exitCode: outcome.exitCode,
                         output: ProbeOutcome.truncated(outcome.output)))
        switch which {
        case .healthcheck:
            guard let change = health?.record(passed: outcome.passed, elapsed: elapsed) else { return .kept }
            guard change == .failing else { return Verdict(changed: "Healthcheck passed") }
            let failures = health?.consecutiveFailures ?? 0
            let detail = outcome.output.isEmpty ? outcome.exitCode.map { "exit code \($0)" } ?? "" : outcome.output
            let reason = "Healthcheck failed \(failures) time\(failures == 1 ? "" : "s"): \(detail)"
            guard restartsUnhealthy else { return Verdict(changed: reason) }
            return Verdict(changed: reason, kill: .init(kind: .unhealthy("Unhealthy: " + reason), reason: "Restarting unhealthy instance: " + reason))
        case .startup:
            switch startup?.record(passed: outcome.passed) {
            case .failing?: return Self.killed("Startup probe failed: \(outcome.output)")
            case .passing?: return Verdict(note: "Startup probe passed")
            default: return .kept
            }
        case .liveness:
            guard liveness?.record(passed: outcome.passed) == .failing else { return .kept }
            return Self.killed("Liveness probe failed: \(outcome.output)")
        case .readiness:
            guard let change = readiness?.record(passed: outcome.passed) else { return .kept }
            return Verdict(changed: change == .passing ? "Readiness probe passed" : "Readiness probe failed: \(outcome.output)")
        }
    }

    /// The log with the healthcheck's results replaced by `healthcheck` (those of a healthcheck
    /// the driver repeats, which the runner hears of only now and then).
    func log(healthcheck results: [ProbeResult]?) -> [ProbeResult] {
        guard let results else { return log }
        return log.filter { $0.probe != .healthcheck } + results
    }

    /// Keeps a repeated healthcheck's last results once it stops.
    mutating func keepHealthcheckLog(_ results: [ProbeResult]) {
        log = log(healthcheck: results)
    }

    private mutating func keep(_ result: ProbeResult) {
        log.append(result)
        let same = log.indices.filter { log[$0].probe == result.probe }
        if same.count > ProbeResult.kept { log.remove(at: same[0]) }
    }

    private static func killed(_ reason: String) -> Verdict {
        Verdict(kill: .init(kind: .livenessFailed(reason), reason: reason))
    }
}
