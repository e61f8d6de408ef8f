import AICoreErrors
import AICoreRuntime
import AICoreSpec
import AICoreStore
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Keeps one instance alive and tells the truth about it: starts it, watches it exit, runs its
/// probes, restarts it by its policy with back-off, and stops it (stop signal, then SIGKILL of
/// the whole instance after the grace period). Every transition is an event with a reason,
/// published on `events` and written, in order, to the Store.
///
/// Nothing here blocks: waits go through the driver (pidfd + epoll thread), time through the
/// injected clock, and Store writes through one ordered writer task.
public actor TaskRunner<C: Clock> where C.Duration == Duration, C.Instant: Sendable {
    public typealias Event = RunnerEvent<C.Instant>

    /// What `status` shows (`ps`, `inspect`).
    public struct Status: Sendable {
        public var state: InstanceState
        public var pid: Int32?
        public var restartCount: Int
        public var lastExit: String?
        public var lastExitCode: Int32?
        /// `starting|healthy|unhealthy` with a Compose healthcheck, else nil.
        public var health: String?
        public var ready: Bool
        /// Last `ProbeResult.kept` results per probe, oldest first.
        public var probeLog: [ProbeResult]
        /// The runner's loop has ended: the state is final (exited without restart, failed, or
        /// stopped) and nothing will start the instance again.
        public var finished: Bool
    }

    /// How the loop (re)enters: a fresh start, or a state found at re-adoption.
    public enum Entry: Sendable {
        case start
        case adopted(TaskHandle)
        case exitedWhileAway(TaskHandle)
        case backoff(remaining: Duration, reason: String)
        /// An exit was recorded but the agent died before deciding about it.
        case decide(ExitKind)
        case settled(InstanceState)
    }

    public nonisolated let identity: InstanceIdentity
    public nonisolated let events: AsyncStream<Event>
    /// true when the instance is ready to take traffic (readiness probe and healthcheck pass, or
    /// it runs and has none); a value is sent on every change. For the proxy, rollouts and
    /// `depends_on: service_healthy`.
    public nonisolated let readiness: AsyncStream<Bool>

    private let configuration: RunnerConfiguration
    private let driver: any TaskDriver
    private let prober: any ProbeExecutor
    private let clock: C
    private let jitter: Jitter
    private let store: (any Store)?
    private let eventContinuation: AsyncStream<Event>.Continuation
    private let readinessContinuation: AsyncStream<Bool>.Continuation
    /// Writes the instance record and events to the Store; nil without a Store.
    private let recorder: InstanceRecorder<C>?

    private var tracker: RestartTracker<C>
    /// What the checks last said before an agent restart, from the Store.
    private let restoredProbes: ProbeSnapshot?
    /// Set while supervising a re-adopted process: its checks resume from their last verdicts
    /// (no startup probe or initial delay again), so that an agent restart never takes a
    /// healthy instance out of the proxy's rotation.
    private var resumedProbes: ProbeSnapshot?
    private var state: InstanceState = .created
    private var handle: TaskHandle?
    /// Bumped at every start or adoption: late probe results and escalations of an earlier
    /// process are ignored.
    private var generation = 0
    private var requestedExit: ExitKind?
    private var desiredRunning = true
    private var loopTask: Task<Void, Never>?
    private var probeTask: Task<Void, Never>?
    /// The Compose healthcheck when the driver repeats it (`TaskDriver.repeatRun`).
    private var repeatedHealthcheck: RepeatedHealthcheck?

    private struct RepeatedHealthcheck {
        var run: any RepeatedRun
        var command: [String]
        var timeout: Duration
        var started: C.Instant

        /// What a person reads of one result, and when it ran (RFC 3339).
        func judged(_ result: RepeatedRunResult) -> (outcome: ProbeOutcome, start: String, end: String) {
            (ExecProber.outcome(result.outcome.mapError { $0 }, command: command, timeout: timeout),
             WallClock.rfc3339(unixNanoseconds: result.started), WallClock.rfc3339(unixNanoseconds: result.ended))
        }
    }
    private var startedAt: String?
    private var lastExit: String?
    private var lastExitCode: Int32?
    private var lastExitAt: String?
    private var backoffUntil: Int64?
    private var exitHandled = true
    /// Set by `detach`: from then on nothing is recorded, so the Store keeps the last truth for
    /// the next agent.
    private var detached = false
    /// What the checks say.
    private var checks: InstanceChecks
    private var ready = false
    private var history: [Event] = []
    private var loopEnded = false
    private var watchers: [Int: Watcher] = [:]
    private var nextWatcher = 0

    private struct Watcher {
        var condition: @Sendable (Status) -> Bool
        var continuation: CheckedContinuation<Status, Never>
    }

    /// Events kept in `eventHistory` and buffered on `events` for a slow reader.
    public static var eventsKept: Int { 64 }
    /// Probe results that change no state reach the Store at most this often (state changes and
    /// events are written at once): each is a full instance record, one transaction. Status and
    /// `inspect` read the live runner; the Store's copy only serves an instance without one (a
    /// moment after an agent restart), so it may be this old. At 5 s, 500 health-checked
    /// instances made 100 transactions a second, a third of the agent's idle CPU.
    public static var probeWriteInterval: Duration { .seconds(30) }
    /// A healthcheck the driver repeats tells the runner of passes that change nothing only this
    /// often (failures and changes at once); `status` reads its latest results from the driver.
    public static var quietPassReportInterval: Duration { .seconds(60) }

    public init(configuration: RunnerConfiguration, driver: any TaskDriver, prober: any ProbeExecutor, clock: C,
                store: (any Store)?, jitter: Jitter = .standard, restoring snapshot: RestartTracker<C>.Snapshot = .init(),
                restoringProbes probes: ProbeSnapshot? = nil, logger: Logger = Logger(label: "aicore.supervisor")) {
        self.restoredProbes = probes
        self.configuration = configuration
        self.identity = configuration.identity
        self.driver = driver
        self.prober = prober
        self.clock = clock
        self.jitter = jitter
        self.store = store
        self.tracker = RestartTracker(policy: configuration.restart, clock: clock, jitter: jitter, restoring: snapshot)
        self.checks = InstanceChecks(configuration)
        (events, eventContinuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(Self.eventsKept))
        (readiness, readinessContinuation) = AsyncStream.makeStream(of: Bool.self, bufferingPolicy: .bufferingNewest(16))
        var logger = logger
        logger[metadataKey: "instance"] = "\(configuration.identity.id)"
        recorder = store.map {
            InstanceRecorder(store: $0, clock: clock, configuration: .init(deferredInterval: Self.probeWriteInterval), logger: logger)
        }
        recorder?.onNotice { [weak self] notice in Task { await self?.storeNotice(notice) } }
    }

    // MARK: control

    /// Starts supervising from `entry` (a fresh start by default). Once.
    public func run(from entry: Entry = .start) {
        guard loopTask == nil else { return }
        desiredRunning = true
        loopTask = Task { await self.loop(entry) }
    }

    /// Stops the instance (stop signal, then SIGKILL after the grace period) or its back-off,
    /// and returns once it has exited. It is not started again.
    public func stop() async {
        desiredRunning = false
        switch state {
        case .backoff:
            loopTask?.cancel()
        case .running, .healthy, .unhealthy:
            if let handle { kill(handle, as: .operatorStop, reason: "Stopping: \(signalName(configuration.stopSignal)), then SIGKILL after \(DurationText.format(configuration.stopGracePeriod))") }
        default:
            break // starting: the loop stops it as soon as the start returns
        }
        await loopTask?.value
        await flush()
    }

    /// Removes what the instance's last run left on the host (its state directory with the
    /// exec socket, a cgroup): for a runner that is stopped and leaves for good.
    public func discard() async throws {
        try await driver.discard(id: identity.id, spec: configuration.taskSpec)
    }

    /// Forgets the instance's process without touching it (the agent going away while the
    /// workload keeps running; the next agent re-adopts it).
    public func detach() async {
        // The newest probe results too, so the next agent resumes from them.
        persist(event: nil)
        detached = true
        desiredRunning = false
        probeTask?.cancel()
        stopRepeatedHealthcheck()
        loopTask?.cancel()
        await flush()
        eventContinuation.finish()
        readinessContinuation.finish()
        releaseWatchers()
    }

    /// Returns the first status, now or after a later change, for which `condition` holds; or
    /// the status at that moment when the caller's task is cancelled or the runner detaches.
    /// For gates (`depends_on` conditions) that must not poll.
    public func waitUntil(_ condition: @escaping @Sendable (Status) -> Bool) async -> Status {
        let current = status
        if condition(current) || detached || Task.isCancelled { return current }
        nextWatcher += 1
        let id = nextWatcher
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                watchers[id] = Watcher(condition: condition, continuation: continuation)
            }
        } onCancel: {
            Task { await self.releaseWatcher(id) }
        }
    }

    private func releaseWatcher(_ id: Int) {
        watchers.removeValue(forKey: id)?.continuation.resume(returning: status)
    }

    private func releaseWatchers() {
        let all = watchers
        watchers = [:]
        let current = status
        for watcher in all.values { watcher.continuation.resume(returning: current) }
    }

    /// Resumes the watchers whose condition now holds.
    private func notifyWatchers() {
        guard !watchers.isEmpty else { return }
        let current = status
        for (id, watcher) in watchers where watcher.condition(current) {
            watchers.removeValue(forKey: id)
            watcher.continuation.resume(returning: current)
        }
    }

    /// Waits until every state so far is in the Store.
    public func flush() async {
        await recorder?.flush()
    }

    public var status: Status {
        Status(state: state, pid: handle?.pid, restartCount: tracker.restarts, lastExit: lastExit, lastExitCode: lastExitCode,
               health: checks.healthText, ready: ready, probeLog: currentProbeLog,
               finished: loopEnded)
    }

    public var currentState: InstanceState { state }
    public var currentHandle: TaskHandle? { handle }
    /// Every event so far (the last `eventsKept`).
    public var eventHistory: [Event] { history }

    /// Waits until the loop has ended (exited without restart, failed, or stopped).
    public func finished() async {
        await loopTask?.value
    }

    // MARK: the loop

    private func loop(_ entry: Entry) async {
        var next: Entry? = entry
        while let entry = next {
            switch entry {
            case .start:
                next = await startAndSupervise()
            case let .adopted(handle):
                generation += 1
                self.handle = handle
                tracker.recordStart()
                resumedProbes = restoredProbes
                checks.begin(resumed: resumedProbes)
                transition(.running, type: "adopted", reason: "Re-adopted running instance (pid \(handle.pid)) without restarting it", pid: handle.pid)
                next = await supervise(handle)
            case let .exitedWhileAway(handle):
                let exit = try? await driver.wait(handle)
                next = afterExit(handle, exit, note: " while the agent was away")
            case let .backoff(remaining, reason):
                next = await backoff(remaining, reason: reason)
            case let .decide(kind):
                next = decide(kind)
            case let .settled(state):
                transition(state, type: state.rawValue, reason: "Restored \(state.rawValue) state")
                next = nil
            }
        }
        loopEnded = true
        notifyWatchers()
    }

    private func startAndSupervise() async -> Entry? {
        guard desiredRunning else {
            transition(.exited, type: "exited", reason: "Stopped before start")
            return nil
        }
        resumedProbes = nil
        transition(.starting, type: "starting", reason: "Starting")
        // The state dir of an earlier run (its exit already accounted for) goes first.
        await flush()
        try? await driver.discard(id: identity.id, spec: configuration.taskSpec)
        let handle: TaskHandle
        do {
            handle = try await driver.start(configuration.taskSpec)
        } catch {
            let code = (error as? AICoreError)?.exitCode ?? 125
            let kind = ExitKind.startFailed(code: code, message: "\(error)")
            lastExit = kind.description
            lastExitCode = code
            lastExitAt = WallClock.rfc3339Now()
            exitHandled = false
            transition(.exited, type: "exited", reason: kind.description)
            return decide(kind)
        }
        generation += 1
        self.handle = handle
        tracker.recordStart()
        startedAt = WallClock.rfc3339Now()
        checks.begin()
        transition(.running, type: "started", reason: "Started (pid \(handle.pid))", pid: handle.pid)
        if !desiredRunning {
            kill(handle, as: .operatorStop, reason: "Stopping: stop requested while starting")
        }
        return await supervise(handle)
    }

    /// Runs the probes while the process lives; returns what comes after its exit.
    private func supervise(_ handle: TaskHandle) async -> Entry? {
        let gen = generation
        let resumed = resumedProbes
        if resumed != nil, !checks.statuses.isEmpty, checks.allPass {
            updateReadiness(reason: "Checks passed before the agent restarted; resuming them")
        } else {
            updateReadiness()
        }
        startChecks(handle, generation: gen)
        let exit: TaskExit?
        do {
            exit = try await driver.wait(handle)
        } catch {
            exit = nil
        }
        probeTask?.cancel()
        probeTask = nil
        stopRepeatedHealthcheck()
        let said = await lastWords(handle, exit)
        return afterExit(handle, exit, note: "", said: said)
    }

    /// What a process that failed by itself last wrote (up to three lines of this run), for
    /// its exit's event, `ps` and a rollout's failure: the reason usually stands there.
    private func lastWords(_ handle: TaskHandle, _ exit: TaskExit?) async -> String? {
        guard let exit, requestedExit == nil, exit.exitCode != 0 else { return nil }
        let reader = LogReader(directory: handle.logDirectory)
        let since = startedAt
        guard let lines = try? await BlockingWork.run({ reader.lastLines(3, since: since) }), !lines.isEmpty else { return nil }
        let text = lines.map(\.text).joined(separator: " / ")
        return text.count > 300 ? "…" + text.suffix(299) : text
    }

    /// `said`: the process's last words, kept with its exit; `note`: for the event only.
    private func afterExit(_ handle: TaskHandle, _ exit: TaskExit?, note: String, said: String? = nil) -> Entry? {
        let kind: ExitKind
        var exitText: String
        if let exit {
            let natural = ExitKind.classify(exit, requested: nil)
            kind = ExitKind.classify(exit, requested: requestedExit)
            exitText = natural.description
            lastExitCode = exit.exitCode
        } else {
            kind = requestedExit ?? .signaled(SIGKILL)
            exitText = "Exit status unknown (the exit file is missing)"
            lastExitCode = nil
        }
        requestedExit = nil
        self.handle = nil
        generation += 1
        if let said { exitText += ": " + said }
        lastExit = exitText
        lastExitAt = exit?.finishedAt ?? WallClock.rfc3339Now()
        checks.end()
        exitHandled = false
        transition(.exited, type: "exited", reason: exitText + note)
        if !desiredRunning && kind == .operatorStop {
            exitHandled = true
            persist(event: nil)
            return nil
        }
        return decide(kind)
    }

    private func decide(_ kind: ExitKind) -> Entry? {
        let decision = tracker.decide(kind)
        exitHandled = true
        switch decision.action {
        case let .restart(after):
            backoffUntil = WallClock.nowMilliseconds() + Int64(after.components.seconds * 1000 + after.components.attoseconds / 1_000_000_000_000_000)
            return .backoff(remaining: after, reason: decision.reason)
        case .doNotRestart:
            transition(.exited, type: "not-restarted", reason: decision.reason)
            return nil
        case .failed:
            transition(.failed, type: "failed", reason: decision.reason)
            return nil
        }
    }

    private func backoff(_ delay: Duration, reason: String) async -> Entry? {
        guard desiredRunning else { return nil }
        transition(.backoff, type: "backoff", reason: reason)
        do {
            try await clock.sleep(for: delay)
        } catch {
            // Cancelled: stopped (or detached) during the back-off.
        }
        backoffUntil = nil
        guard desiredRunning else {
            transition(.exited, type: "exited", reason: "Stopped during back-off")
            return nil
        }
        return .start
    }

    // MARK: stopping

    /// Sends the stop signal and arms the SIGKILL escalation; the loop's wait sees the exit.
    private func kill(_ handle: TaskHandle, as kind: ExitKind, reason: String) {
        guard requestedExit == nil, handle.pid == self.handle?.pid else { return }
        requestedExit = kind
        transition(.stopping, type: "stopping", reason: reason)
        try? driver.signal(handle, configuration.stopSignal)
        let gen = generation
        let grace = configuration.stopGracePeriod
        let clock = self.clock
        Task {
            try? await clock.sleep(for: grace)
            self.escalate(handle, generation: gen)
        }
    }

    private func escalate(_ handle: TaskHandle, generation gen: Int) {
        guard gen == generation, self.handle != nil else { return }
        note(type: "killing", reason: "Grace period \(DurationText.format(configuration.stopGracePeriod)) over: SIGKILL")
        // SIGKILL of the init tears the whole pid namespace down; the driver's wait then empties
        // and removes the cgroup, so nothing that escaped the namespace survives either.
        try? driver.signal(handle, SIGKILL)
    }

    // MARK: checks

    /// One check the runner makes itself, again and again.
    private struct CheckLoop {
        var which: ProbeResult.Probe
        var action: ProbeAction
        var timeout: Duration
        var timing: CheckTiming
        /// When the first check runs.
        var first: C.Instant
    }

    /// Starts the checks of a process that runs: an exec healthcheck on the driver when it can
    /// repeat it (no task here at all), everything else in `probeTask`.
    private func startChecks(_ handle: TaskHandle, generation gen: Int) {
        let started = clock.now
        var loopHealthcheck = configuration.healthcheck?.test != nil
        if let check = configuration.healthcheck, let test = check.test, case let .exec(command) = ProbeAction.from(test) {
            loopHealthcheck = !repeatHealthcheck(handle, check, command, started: started, generation: gen)
        }
        let probes = configuration.probes
        guard loopHealthcheck || probes.startup != nil || probes.liveness != nil || probes.readiness != nil else { return }
        probeTask = Task { await self.runChecks(handle, generation: gen, started: started, healthcheck: loopHealthcheck) }
    }

    /// The healthcheck, and the startup probe, then liveness and readiness, each in a `checkLoop`.
    private func runChecks(_ handle: TaskHandle, generation gen: Int, started: C.Instant, healthcheck: Bool) async {
        var healthcheckLoop: CheckLoop?
        if healthcheck, let check = configuration.healthcheck, let test = check.test {
            let timing = CheckTiming.healthcheck(check, resumed: resumedProbes != nil)
            healthcheckLoop = CheckLoop(which: .healthcheck, action: ProbeAction.from(test), timeout: check.timeout, timing: timing,
                                        first: clock.now.advanced(by: timing.firstAfter(jitter: jitter)))
        }
        let probes = configuration.probes
        let startup = resumedProbes == nil ? probes.startup.map { probeLoop(.startup, $0, started: started) } : nil
        let liveness = probes.liveness.flatMap { probeLoop(.liveness, $0, started: started) }
        let readiness = probes.readiness.flatMap { probeLoop(.readiness, $0, started: started) }
        if let healthcheckLoop, startup == nil, liveness == nil, readiness == nil {
            // Compose healthchecks only: no task group, no child task; each costs memory for
            // every instance.
            _ = await checkLoop(healthcheckLoop, handle, started: started, generation: gen)
            return
        }
        await withTaskGroup(of: Void.self) { group in
            if let healthcheckLoop {
                group.addTask { _ = await self.checkLoop(healthcheckLoop, handle, started: started, generation: gen) }
            }
            guard startup != nil || liveness != nil || readiness != nil else { return }
            group.addTask {
                if let startup {
                    // A startup probe with no port to check never passes: nothing else runs.
                    guard let startup, await self.checkLoop(startup, handle, started: started, generation: gen) else { return }
                }
                await withTaskGroup(of: Void.self) { inner in
                    for loop in [liveness, readiness].compactMap({ $0 }) {
                        inner.addTask { _ = await self.checkLoop(loop, handle, started: started, generation: gen) }
                    }
                }
            }
        }
    }

    /// A Kubernetes probe's loop; nil (with an event) when it has no port to check.
    private func probeLoop(_ which: ProbeResult.Probe, _ probe: Probe, started: C.Instant) -> CheckLoop? {
        guard let action = ProbeAction.from(probe.action, primaryPort: configuration.ports.first) else {
            note(type: "probe", reason: "\(which.rawValue.capitalized) probe has no port to check: the service publishes none")
            return nil
        }
        // Kubernetes counts initialDelaySeconds from the instance's start, not from the moment the
        // startup probe let this one run: a startup probe that passed late means no further wait.
        let first = resumedProbes != nil ? clock.now.advanced(by: probe.period) : started.advanced(by: probe.initialDelay)
        return CheckLoop(which: which, action: action, timeout: probe.timeout, timing: .probe(probe), first: first)
    }

    /// Makes one check again and again until cancelled, as its timing says. A startup probe
    /// returns true once it passes; false means the loop ended for good (the instance is being
    /// stopped, or this process is gone).
    private func checkLoop(_ loop: CheckLoop, _ handle: TaskHandle, started: C.Instant, generation gen: Int) async -> Bool {
        var timing = loop.timing
        do { try await clock.sleep(until: loop.first, tolerance: nil) } catch { return false }
        while !Task.isCancelled {
            let start = WallClock.rfc3339Now()
            // Isolated: the probe's await resumes straight on this actor, one hop instead of two.
            let outcome = await prober.run(loop.action, on: handle, timeout: loop.timeout)
            guard !Task.isCancelled else { return false }
            let elapsed = started.duration(to: clock.now)
            guard apply(loop.which, outcome, start: start, end: WallClock.rfc3339Now(), elapsed: elapsed, generation: gen) else {
                return false
            }
            if loop.which == .startup, checks.startupPassed { return true }
            let step = timing.next(afterRunThatPassed: outcome.passed, elapsed: elapsed)
            do { try await clock.sleep(for: step.after) } catch { return false }
        }
        return false
    }

    /// The healthcheck on the driver (`TaskDriver.repeatRun`), with the same timing as
    /// `checkLoop`'s; the runner hears of failures and changes, and of steady passes only every
    /// `quietPassReportInterval`. false when the driver cannot repeat it.
    private func repeatHealthcheck(_ handle: TaskHandle, _ check: Healthcheck, _ command: [String],
                                   started: C.Instant, generation gen: Int) -> Bool {
        let timing = CheckTiming.healthcheck(check, resumed: resumedProbes != nil,
                                             quietPassesReportedEvery: Self.quietPassReportInterval)
        let plan = RepeatPlan(firstAfter: timing.firstAfter(jitter: jitter), timeout: check.timeout,
                              outputLimit: ProbeOutcome.maxOutputBytes, kept: ProbeResult.kept, policy: timing)
        guard let run = driver.repeatRun(handle, command: command, plan: plan, notify: { [weak self] in
            Task { await self?.takeHealthcheckResults(generation: gen) }
        }) else { return false }
        repeatedHealthcheck = RepeatedHealthcheck(run: run, command: command, timeout: check.timeout, started: started)
        return true
    }

    private func takeHealthcheckResults(generation gen: Int) {
        guard gen == generation, let repeated = repeatedHealthcheck else { return }
        for result in repeated.run.take() {
            let (outcome, start, end) = repeated.judged(result)
            guard apply(.healthcheck, outcome, start: start, end: end, elapsed: repeated.started.duration(to: clock.now),
                        generation: gen) else {
                stopRepeatedHealthcheck()
                return
            }
        }
    }

    /// Keeps the repeated healthcheck's last results in the probe log, and stops it.
    private func stopRepeatedHealthcheck() {
        guard let repeated = repeatedHealthcheck else { return }
        checks.keepHealthcheckLog(repeatedResults(repeated))
        repeated.run.cancel()
        repeatedHealthcheck = nil
    }

    private func repeatedResults(_ repeated: RepeatedHealthcheck) -> [ProbeResult] {
        repeated.run.recent().map { result in
            let (outcome, start, end) = repeated.judged(result)
            return ProbeResult(probe: .healthcheck, start: start, end: end, passed: outcome.passed,
                               exitCode: outcome.exitCode, output: ProbeOutcome.truncated(outcome.output))
        }
    }

    /// The probe log, with a repeated healthcheck's latest results (the runner hears of steady
    /// passes only now and then).
    private var currentProbeLog: [ProbeResult] {
        checks.log(healthcheck: repeatedHealthcheck.map(repeatedResults))
    }

    /// Applies one check's result: its verdict on the state, readiness, the events and the
    /// Store. false once its loop must end (the instance is being stopped, or this process is
    /// gone).
    private func apply(_ which: ProbeResult.Probe, _ outcome: ProbeOutcome, start: String, end: String,
                       elapsed: Duration, generation gen: Int) -> Bool {
        guard gen == generation, let handle else { return false }
        let verdict = checks.record(which, outcome, start: start, end: end, elapsed: elapsed)
        if let reason = verdict.note { note(type: "probe", reason: reason) }
        if let reason = verdict.changed { updateReadiness(reason: reason) }
        if let stop = verdict.kill {
            kill(handle, as: stop.kind, reason: stop.reason)
            return false
        }
        // A change of health was just written with its event.
        if which != .healthcheck || verdict.changed == nil { persistProbeResult() }
        return true
    }

    // MARK: state and events

    /// Ready for traffic: running (not starting, not stopping) and every check it has passes.
    /// The one place readiness is derived.
    private var derivedReady: Bool {
        isRunning && checks.allPass
    }

    /// Its process runs and is neither starting nor being stopped.
    private var isRunning: Bool { state == .running || state == .healthy || state == .unhealthy }

    /// Sets `ready` from the checks and publishes a change (the proxy, rollouts, gates).
    private func refreshReady() {
        let nowReady = derivedReady
        guard nowReady != ready else { return }
        ready = nowReady
        readinessContinuation.yield(nowReady)
        notifyWatchers()
    }

    /// After a check changed: healthy/unhealthy as the checks say, with `reason` as the event,
    /// and readiness.
    private func updateReadiness(reason: String? = nil) {
        let statuses = checks.statuses
        // Set before the event below is recorded: the record written with it must carry the
        // new readiness (the proxy and `ps` read it from there).
        let wasReady = ready
        ready = derivedReady
        if isRunning, let reason {
            if statuses.contains(.failing) {
                transition(.unhealthy, type: "unhealthy", reason: reason)
            } else if !statuses.isEmpty, statuses.allSatisfy({ $0 == .passing }) {
                transition(.healthy, type: "healthy", reason: reason)
            } else {
                note(type: "probe", reason: reason)
            }
        } else if ready != wasReady {
            persist(event: nil)
        }
        if ready != wasReady {
            readinessContinuation.yield(ready)
            notifyWatchers()
        }
    }

    private func transition(_ new: InstanceState, type: String, reason: String, pid: Int32? = nil) {
        guard !detached else { return }
        state = new
        if !new.isActive || new == .stopping || new == .running { refreshReady() }
        emit(type: type, reason: reason, pid: pid)
    }

    /// An event that changes no state.
    private func note(type: String, reason: String) {
        emit(type: type, reason: reason, pid: nil)
    }

    private func emit(type: String, reason: String, pid: Int32?) {
        guard !detached else { return }
        let event = Event(instant: clock.now, time: WallClock.rfc3339Now(), instance: identity.id, state: state,
                          type: type, reason: reason, pid: pid)
        history.append(event)
        if history.count > Self.eventsKept { history.removeFirst(history.count - Self.eventsKept) }
        eventContinuation.yield(event)
        notifyWatchers()
        persist(event: EventRecord(time: event.time, stack: identity.stack, service: identity.service,
                                   instance: identity.id, type: type, reason: reason))
    }

    /// A new probe result that changed no state: written with the next state change, or at the
    /// latest `probeWriteInterval` after the last write.
    private func persistProbeResult() {
        persist(event: nil, deferrable: true)
    }

    /// The Store refused a write (said once per run of failures; the event itself waits, with
    /// the rest, for the Store to take writes again), or takes them again.
    private func storeNotice(_ notice: InstanceRecorder<C>.Notice) {
        switch notice {
        case let .failed(error):
            note(type: "store-failed",
                 reason: "cannot record this instance in the Store (\(error.message)); its state is kept and written once the Store takes writes again")
        case let .recovered(after, dropped):
            let lost = dropped == 0 ? "" : "; \(dropped) older event(s) that waited were dropped"
            note(type: "store-recovered", reason: "the Store takes this instance's writes again after \(DurationText.format(after))\(lost)")
        }
    }

    private func persist(event: EventRecord?, deferrable: Bool = false) {
        guard let recorder, !detached else { return }
        var log: String?
        let probeLog = currentProbeLog
        if !probeLog.isEmpty {
            log = (try? JSONText.encode(probeLog))
        }
        let record = InstanceRecord(
            id: identity.id, stack: identity.stack, service: identity.service, replica: identity.replica,
            pid: handle?.pid, processStartTime: handle?.startTime, cgroupPath: handle?.cgroup?.relativePath ?? configuration.taskSpec.cgroupPath,
            ports: configuration.ports, state: state, desired: desiredRunning ? .running : .stopped,
            restartCount: tracker.restarts, consecutiveFailures: tracker.consecutive,
            restartAttempts: WallClock.unixMilliseconds(ago: tracker.snapshot.attemptAges), backoffUntil: state == .backoff ? backoffUntil : nil,
            lastExit: lastExit, lastExitCode: lastExitCode, lastExitAt: lastExitAt, exitHandled: exitHandled, startedAt: startedAt,
            health: checks.healthText, ready: ready, probeLog: log,
            specHash: configuration.specHash)
        recorder.record(record, event: event, deferrable: deferrable)
    }
}
