import AICoreErrors
import AICoreRuntime
import AICoreSpec
import AICoreStore
import AICoreSystem
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

    public nonisolated let configuration: RunnerConfiguration
    let driver: any TaskDriver
    let prober: any ProbeExecutor
    let clock: C
    let jitter: Jitter
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
    var resumedProbes: ProbeSnapshot?
    /// What the checks said when the instance was paused: `unpause` resumes from it.
    var pausedProbes: ProbeSnapshot?
    var state: InstanceState = .created
    var handle: TaskHandle?
    /// Bumped at every start or adoption: late probe results and escalations of an earlier
    /// process are ignored.
    var generation = 0
    var requestedExit: ExitKind?
    var desiredRunning = true
    private var loopTask: Task<Void, Never>?
    /// Set by `restartNow` as it cancels the loop's back-off: the loop hands over to a new one,
    /// since the cancelled task would cut short every later wait too.
    private var backoffCutShort = false
    var probeTask: Task<Void, Never>?
    /// The Compose healthcheck when the driver repeats it (`TaskDriver.repeatRun`).
    var repeatedHealthcheck: RepeatedHealthcheck?

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
    var checks: InstanceChecks
    var ready = false
    private var history: [Event] = []
    private var loopEnded = false
    private var watchers: [Int: Watcher] = [:]
    private var nextWatcher = 0
    /// Sends the log's lines to the journal (`logging: {driver: journald}`) while a process
    /// of the instance runs, and then what it wrote last.
    private var journalForwarder: JournalForwarder?
    /// The generation whose `pre_stop` hooks have run (or are running): they run once a process.
    var preStopGeneration: Int?
    /// `prepareToStop` ran the hooks and left the instance stopping, waiting for `stop`.
    var stopPrepared = false
    let logger: Logger

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
        self.logger = logger
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
            if let handle {
                await runPreStopHooks(handle)
                kill(handle, as: .operatorStop, reason: "Stopping: \(signalName(configuration.stopSignal)), then SIGKILL after \(DurationText.format(configuration.stopGracePeriod))")
            }
        case .stopping where stopPrepared:
            // prepareToStop ran the hooks (and left it stopping, out of rotation) for a drain.
            stopPrepared = false
            if let handle {
                kill(handle, as: .operatorStop, reason: "Stopping: \(signalName(configuration.stopSignal)), then SIGKILL after \(DurationText.format(configuration.stopGracePeriod))")
            }
        case .paused:
            // A frozen process takes its stop signal only once thawed (v1 not even SIGKILL), as
            // Docker unpauses a container it stops; its pre_stop hooks could not run before.
            if let handle {
                await thawForStop(handle)
                await runPreStopHooks(handle)
                kill(handle, as: .operatorStop, reason: "Stopping paused instance: thawed, \(signalName(configuration.stopSignal)), then SIGKILL after \(DurationText.format(configuration.stopGracePeriod))")
            }
        default:
            break // starting: the loop stops it as soon as the start returns
        }
        await loopTask?.value
        await flush()
    }

    /// Runs the `pre_stop` hooks of a running process ahead of `stop` (which then does not run
    /// them again), so they come before the drain as Compose has them before the stop.
    public func prepareToStop() async {
        guard desiredRunning, let handle else { return }
        switch state {
        case .running, .healthy, .unhealthy:
            await runPreStopHooks(handle)
            // Stopping now, with no signal sent: `stop` sends it.
            stopPrepared = state == .stopping
        default: break
        }
    }

    /// Starts the instance again at once, whatever its restart policy, with `reason` as the
    /// event's: a running process is stopped first (stop signal, then SIGKILL after the grace
    /// period), a back-off is cut short. Nothing happens to an instance being stopped or done.
    public func restartNow(reason: String) {
        guard desiredRunning, !loopEnded else { return }
        switch state {
        case .running, .healthy, .unhealthy:
            if let handle { kill(handle, as: .sharedNetworkReplaced(reason), reason: "Restarting: " + reason) }
        case .backoff:
            note(type: "restarting", reason: "Back-off cut short: " + reason)
            backoffCutShort = true
            loopTask?.cancel()
        default:
            break
        }
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
        // The next agent resumes from the forwarder's record.
        journalForwarder?.cancel()
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
                if await driver.isFrozen(handle) {
                    // Paused before the agent restarted: it stays paused, unchecked, until `unpause`.
                    transition(.paused, type: "adopted", reason: "Re-adopted paused instance (pid \(handle.pid)); it stays paused until unpause", pid: handle.pid)
                } else {
                    transition(.running, type: "adopted", reason: "Re-adopted running instance (pid \(handle.pid)) without restarting it", pid: handle.pid)
                }
                next = await supervise(handle)
            case let .exitedWhileAway(handle):
                // What it wrote while the agent was away still goes to the journal.
                startForwarding(handle)?.finish()
                let exit = try? await driver.wait(handle)
                next = afterExit(handle, exit, note: " while the agent was away")
            case let .backoff(remaining, reason):
                next = await backoff(remaining, reason: reason)
                if backoffCutShort {
                    backoffCutShort = false
                    if next != nil {
                        loopTask = Task { await self.loop(.start) }
                        return
                    }
                }
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
        // The state dir of an earlier run (its exit already accounted for) goes before the start
        // is recorded: an agent killed between the two would otherwise find that run's task and
        // exit file under a `starting` record, and count its exit a second time.
        try? await driver.discard(id: identity.id, spec: configuration.taskSpec)
        transition(.starting, type: "starting", reason: "Starting")
        await flush()
        await prepareForwarding()
        // Before the start: the workload may write (and its lines be stamped) before the start
        // returns here, and `lastWords` keeps only lines from this run on.
        let launched = WallClock.rfc3339Now()
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
        startedAt = launched
        checks.begin()
        transition(.running, type: "started", reason: "Started (pid \(handle.pid))", pid: handle.pid)
        startPostStartHooks(handle)
        if !desiredRunning {
            kill(handle, as: .operatorStop, reason: "Stopping: stop requested while starting")
        }
        return await supervise(handle)
    }

    /// Runs the probes while the process lives; returns what comes after its exit.
    private func supervise(_ handle: TaskHandle) async -> Entry? {
        let gen = generation
        let forwarder = startForwarding(handle)
        defer { forwarder?.finish() }
        let resumed = resumedProbes
        if resumed != nil, !checks.statuses.isEmpty, checks.allPass {
            updateReadiness(reason: "Checks passed before the agent restarted; resuming them")
        } else {
            updateReadiness()
        }
        // A paused instance is not checked: `unpause` starts its checks.
        if state != .paused { startChecks(handle, generation: gen) }
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

    /// A journal forwarder for this process's log, once the last one has ended (two must never
    /// send the same lines); nil without `logging: {driver: journald}`.
    private func startForwarding(_ handle: TaskHandle) -> JournalForwarder? {
        guard let journal = configuration.journal else { return nil }
        let forwarder = JournalForwarder(directory: handle.logDirectory, source: journal.source, sink: journal.sink, logger: logger)
        let previous = journalForwarder
        journalForwarder = forwarder
        Task {
            await previous?.ended()
            forwarder.start()
        }
        return forwarder
    }

    /// Before a fresh start: the earlier process's lines are all sent, and the new forwarder
    /// begins where the log ends now (`JournalForwarder.prepare`).
    private func prepareForwarding() async {
        guard configuration.journal != nil, let directory = configuration.taskSpec.logging.directory else { return }
        await journalForwarder?.ended()
        do {
            try await BlockingWork.run { try JournalForwarder.prepare(directory: directory) }
        } catch {
            logger.error("cannot record where the journal forwarding of \(identity.id) starts: \(error)")
        }
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
        if case .sharedNetworkReplaced = kind {
            exitHandled = true
            guard desiredRunning else {
                // Stopped while restarting: the stop's own kill found this one under way.
                persist(event: nil)
                return nil
            }
            tracker.countRestart()
            return .start
        }
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
            // Cancelled: stopped (or detached) during the back-off, or cut short by `restartNow`.
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
    func kill(_ handle: TaskHandle, as kind: ExitKind, reason: String) {
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

    // MARK: state and events

    /// Ready for traffic: running (not starting, not stopping) and every check it has passes.
    /// The one place readiness is derived.
    private var derivedReady: Bool {
        isRunning && checks.allPass
    }

    /// Its process runs and is neither starting nor being stopped.
    var isRunning: Bool { state == .running || state == .healthy || state == .unhealthy }

    /// Sets `ready` from the checks and publishes a change (the proxy, rollouts, gates).
    func refreshReady() {
        let nowReady = derivedReady
        guard nowReady != ready else { return }
        ready = nowReady
        readinessContinuation.yield(nowReady)
        notifyWatchers()
    }

    /// After a check changed: healthy/unhealthy as the checks say, with `reason` as the event,
    /// and readiness.
    func updateReadiness(reason: String? = nil) {
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

    func transition(_ new: InstanceState, type: String, reason: String, pid: Int32? = nil) {
        guard !detached else { return }
        state = new
        if !new.isActive || new == .stopping || new == .running || new == .paused { refreshReady() }
        emit(type: type, reason: reason, pid: pid)
    }

    /// An event that changes no state.
    func note(type: String, reason: String) {
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
    func persistProbeResult() {
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
            ports: configuration.ports, addresses: configuration.addresses, addresses6: configuration.addresses6, state: state, desired: desiredRunning ? .running : .stopped,
            restartCount: tracker.restarts, consecutiveFailures: tracker.consecutive,
            restartAttempts: WallClock.unixMilliseconds(ago: tracker.snapshot.attemptAges), backoffUntil: state == .backoff ? backoffUntil : nil,
            lastExit: lastExit, lastExitCode: lastExitCode, lastExitAt: lastExitAt, exitHandled: exitHandled, startedAt: startedAt,
            health: checks.healthText, ready: ready, probeLog: log,
            specHash: configuration.specHash)
        recorder.record(record, event: event, deferrable: deferrable)
    }
}
