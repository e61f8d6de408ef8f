import AICoreErrors
import Foundation
import AICoreOS
import Glibc
import AICoreRuntime
import AICoreSpec
import AICoreStore
import AICoreTestSupport
import Synchronization
import Testing
@testable import AICoreSupervisor

@Suite struct TaskRunnerTests {
    let clock = FakeClock()
    let driver = FakeTaskDriver()
    let prober = FakeProbeExecutor()

    func runner(_ restart: RestartPolicy, healthcheck: Healthcheck? = nil, probes: ProbeSet = ProbeSet(),
                restartUnhealthy: Bool = true, grace: Duration = .seconds(10), id: String = "demo-api-1") -> TaskRunner<FakeClock> {
        let configuration = RunnerConfiguration(
            identity: InstanceIdentity(stack: "demo", service: "api", replica: 1),
            taskSpec: TaskSpec(id: id, command: ["/bin/true"]), restart: restart, healthcheck: healthcheck, probes: probes,
            restartUnhealthy: restartUnhealthy, stopSignal: SIGTERM, stopGracePeriod: grace, ports: [3000])
        return TaskRunner(configuration: configuration, driver: driver, prober: prober, clock: clock, store: nil, jitter: .none)
    }

    func reasons(_ runner: TaskRunner<FakeClock>, type: String) async -> [String] {
        await runner.eventHistory.filter { $0.type == type }.map(\.reason)
    }

    /// A workload's first words can be logged before its start returns to the runner, even in
    /// the second before: they are its last words all the same.
    @Test func lastWordsIncludeWhatTheWorkloadSaidBeforeItsStartReturned() async throws {
        let logs = try KernelTestEnvironment.temporaryDirectory("lastwords")
        defer { try? FileManager.default.removeItem(atPath: logs) }
        driver.printsAtStart("demo-api-1", "Traceback: boom", logDirectory: logs)
        let runner = runner(RestartPolicy(condition: .no))
        await runner.run()
        try await waitUntil("started") { driver.runningPid("demo-api-1") != nil }
        driver.exit("demo-api-1", .exited(1))
        await runner.finished()
        #expect(await runner.status.lastExit == "Exited (code 1): Traceback: boom")
    }

    /// `network_mode: service:X`: when X's process (and namespace) is new, an instance sharing
    /// it starts again at once, even under `restart: "no"`, and the restart is counted.
    @Test func restartNowStartsARunningInstanceAgainWhateverItsPolicy() async throws {
        let runner = runner(RestartPolicy(condition: .no))
        await runner.run()
        try await waitUntil("started") { driver.runningPid("demo-api-1") != nil }
        let first = try #require(driver.runningPid("demo-api-1"))
        await runner.restartNow(reason: "demo-db-1, whose network it shares, started again in a new network namespace")
        try await waitUntil("started again") { driver.started.count == 2 && driver.runningPid("demo-api-1") != nil }
        #expect(driver.runningPid("demo-api-1") != first)
        #expect(await reasons(runner, type: "stopping") == ["Restarting: demo-db-1, whose network it shares, started again in a new network namespace"])
        #expect(await runner.status.restartCount == 1)
        #expect(await runner.currentState == .running)
        await runner.stop()
        #expect(await runner.currentState == .exited)
    }

    /// An instance that could not join a namespace (X not running) waits in its back-off; X's
    /// start cuts it short, without the clock moving.
    @Test func restartNowCutsABackoffShort() async throws {
        driver.failNextStart("demo-api-1", AICoreError(.unavailable, "it shares the network of instance demo-db-1, which is not running"))
        let runner = runner(RestartPolicy(condition: .always, delay: .seconds(60)))
        await runner.run()
        #expect(await eventually { await runner.currentState == .backoff && clock.sleeperCount == 1 })
        await runner.restartNow(reason: "demo-db-1, whose network it shares, is running again")
        try await waitUntil("started without the back-off's minute") { driver.runningPid("demo-api-1") != nil }
        #expect(await reasons(runner, type: "restarting") == ["Back-off cut short: demo-db-1, whose network it shares, is running again"])
        // The new loop supervises as the old one did: an exit is decided by the policy.
        driver.exit("demo-api-1", .exited(1))
        #expect(await eventually { await runner.currentState == .backoff })
        await runner.stop()
        #expect(await runner.status.finished)
    }

    @Test func crashLoopRestartsOnTheDoublingCurve() async throws {
        let runner = runner(RestartPolicy(condition: .always, delay: .seconds(1)))
        await runner.run()
        for round in 0..<5 {
            #expect(await eventually { driver.runningPid("demo-api-1") != nil && driver.started.count == round + 1 })
            driver.exit("demo-api-1", .exited(1))
            #expect(await eventually { await runner.currentState == .backoff && clock.sleeperCount == 1 })
            clock.advanceToNextDeadline()
        }
        #expect(await eventually { driver.started.count == 6 })
        #expect(await reasons(runner, type: "backoff") == [1, 2, 4, 8, 16].map { "Back-off \($0)s restarting failed instance" })
        #expect(await reasons(runner, type: "exited").allSatisfy { $0 == "Exited (code 1)" })
        // The curve from the events' own instants: each start follows its exit by the back-off.
        let history = await runner.eventHistory
        let exits = history.filter { $0.type == "exited" }.map(\.instant)
        let starts = history.filter { $0.type == "started" }.map(\.instant).dropFirst()
        #expect(zip(exits, starts).map { $0.duration(to: $1) } == [1, 2, 4, 8, 16].map { Duration.seconds($0) })
        #expect(await runner.status.restartCount == 5)
        await runner.stop()
    }

    @Test(arguments: [
        (WaitStatus.exited(0), false, "Exited (code 0)"),
        (.exited(3), false, "Exited (code 3)"),
        (.signaled(SIGSEGV), false, "Killed by signal 11 (SIGSEGV)"),
        (.signaled(SIGKILL), true, "OOMKilled"),
    ])
    func exitReasonsUnderPolicyNo(_ status: WaitStatus, _ oom: Bool, _ reason: String) async {
        let runner = runner(RestartPolicy(condition: .no))
        await runner.run()
        #expect(await eventually { driver.runningPid("demo-api-1") != nil })
        driver.exit("demo-api-1", status, oomKilled: oom)
        await runner.finished()
        #expect(await runner.currentState == .exited)
        #expect(await reasons(runner, type: "exited") == [reason])
        #expect(await reasons(runner, type: "not-restarted") == ["Not restarted: restart policy is \"no\""])
        #expect(driver.started.count == 1)
    }

    @Test func onFailureLeavesACleanExitAlone() async {
        let runner = runner(RestartPolicy(condition: .onFailure))
        await runner.run()
        #expect(await eventually { driver.runningPid("demo-api-1") != nil })
        driver.exit("demo-api-1", .exited(0))
        await runner.finished()
        #expect(await runner.currentState == .exited)
        #expect(driver.started.count == 1)
    }

    @Test func maxAttemptsEndsInFailed() async {
        let runner = runner(RestartPolicy(condition: .onFailure, delay: .seconds(1), maxAttempts: 2))
        await runner.run()
        for round in 0..<3 {
            #expect(await eventually { driver.started.count == round + 1 && driver.runningPid("demo-api-1") != nil })
            driver.exit("demo-api-1", .exited(1))
            if round < 2 {
                #expect(await clock.waitForSleepers(1))
                clock.advanceToNextDeadline()
            }
        }
        await runner.finished()
        #expect(await runner.currentState == .failed)
        #expect(await reasons(runner, type: "failed") == ["Restart budget spent: 2 of max_attempts 2 used; last: Exited (code 1)"])
    }

    @Test func aStartFailureBacksOffToo() async {
        driver.failNextStart("demo-api-1", AICoreError.spawnFailed("exec /nope: no such file", exitCode: 127))
        let runner = runner(RestartPolicy(condition: .always))
        await runner.run()
        #expect(await eventually { await runner.currentState == .backoff })
        #expect(await reasons(runner, type: "exited") == ["Start failed (code 127): exec /nope: no such file"])
        clock.advanceToNextDeadline()
        #expect(await eventually { driver.runningPid("demo-api-1") != nil })
        await runner.stop()
    }

    @Test func livenessFailureKillsAndRestarts() async {
        prober.answer("http-get", ProbeOutcome(passed: false, output: "HTTP 500 on /health/live"))
        let liveness = Probe(action: .httpGet(path: "/health/live", port: nil, headers: [:]), period: .seconds(5), failureThreshold: 3)
        let runner = runner(RestartPolicy(condition: .always), probes: ProbeSet(liveness: liveness))
        await runner.run()
        #expect(await eventually { driver.started.count == 1 })
        for _ in 0..<2 {
            #expect(await clock.waitForSleepers(1))
            clock.advanceToNextDeadline()
        }
        #expect(await eventually { await runner.currentState == .backoff })
        #expect(await reasons(runner, type: "stopping") == ["Liveness probe failed: HTTP 500 on /health/live"])
        #expect(await reasons(runner, type: "exited") == ["Killed by signal 15 (SIGTERM)"])
        #expect(await reasons(runner, type: "backoff") == ["Back-off 1s restarting failed instance"])
        #expect(await runner.status.probeLog.filter { $0.probe == .liveness }.count == 3)
        await runner.stop()
    }

    @Test func startupProbeHoldsLivenessAndReadinessOff() async {
        prober.answer("tcp-socket", ProbeOutcome(passed: false, output: "refused"))
        let startup = Probe(action: .tcpSocket(port: nil), period: .seconds(1), failureThreshold: 100)
        let liveness = Probe(action: .httpGet(path: "/live", port: nil, headers: [:]), period: .seconds(1))
        let readiness = Probe(action: .exec(["ready"]), period: .seconds(1))
        let runner = runner(RestartPolicy(condition: .always), probes: ProbeSet(startup: startup, liveness: liveness, readiness: readiness))
        var readinessChanges = runner.readiness.makeAsyncIterator()
        await runner.run()
        for _ in 0..<5 {
            #expect(await clock.waitForSleepers(1))
            clock.advanceToNextDeadline()
        }
        // The last advance's check has run once the loop sleeps again.
        #expect(await clock.waitForSleepers(1))
        #expect(await runner.status.probeLog.allSatisfy { $0.probe == .startup })
        #expect(await runner.status.ready == false)
        prober.answer("tcp-socket", ProbeOutcome(passed: true, output: "connected"))
        #expect(await clock.waitForSleepers(1))
        clock.advanceToNextDeadline()
        #expect(await eventually { await runner.status.ready })
        #expect(await readinessChanges.next() == true)
        #expect(await runner.currentState == .healthy)
        #expect(await runner.status.probeLog.contains { $0.probe == .liveness })
        await runner.stop()
        #expect(await readinessChanges.next() == false)
    }

    /// A new process is not ready until its readiness probe says so, not even for the moment
    /// between its start and its first probe: a rollout would count it as available and the
    /// proxy would send it connections.
    @Test func aFreshInstanceIsNeverReadyBeforeItsFirstReadinessProbePasses() async {
        prober.answer("exec", ProbeOutcome(passed: false, output: "not yet"))
        let readiness = Probe(action: .exec(["ready"]), period: .seconds(1))
        let runner = runner(RestartPolicy(condition: .always), probes: ProbeSet(readiness: readiness))
        let changes = Task { await runner.readiness.reduce(into: [Bool]()) { $0.append($1) } }
        await runner.run()
        #expect(await eventually { driver.runningPid("demo-api-1") != nil })
        #expect(await clock.waitForSleepers(1))
        clock.advanceToNextDeadline()
        #expect(await clock.waitForSleepers(1))
        #expect(await runner.status.ready == false)
        prober.answer("exec", ProbeOutcome(passed: true, output: "ok"))
        clock.advanceToNextDeadline()
        #expect(await eventually { await runner.status.ready })
        await runner.detach()
        #expect(await changes.value == [true])
    }

    /// Kubernetes: `initialDelaySeconds` counts from the instance's start; a startup probe only
    /// holds the others off. Startup passes at 5 s here: a 3 s readiness delay is already over, an
    /// 8 s one ends at 8 s (not at 5 + 3 or 5 + 8).
    @Test(arguments: [3, 8])
    func probeInitialDelayCountsFromTheStart(_ delay: Int) async {
        prober.answer("tcp-socket", ProbeOutcome(passed: false, output: "refused"))
        prober.answer("exec", ProbeOutcome(passed: true, exitCode: 0, output: ""))
        let startup = Probe(action: .tcpSocket(port: nil), period: .seconds(1), failureThreshold: 100)
        let readiness = Probe(action: .exec(["ready"]), initialDelay: .seconds(delay), period: .seconds(60))
        let runner = runner(RestartPolicy(condition: .always), probes: ProbeSet(startup: startup, readiness: readiness))
        let start = clock.now
        await runner.run()
        for _ in 0..<4 { // startup checks at 0 s (no initial delay), 1, 2, 3, 4 s fail
            #expect(await clock.waitForSleepers(1))
            clock.advanceToNextDeadline()
        }
        #expect(await clock.waitForSleepers(1))
        prober.answer("tcp-socket", ProbeOutcome(passed: true, output: "connected"))
        clock.advanceToNextDeadline() // 5 s: startup passes
        #expect(await clock.waitForSleepers(1))
        if delay > 5 { clock.advanceToNextDeadline() }
        #expect(await eventually { await runner.status.ready })
        #expect(start.duration(to: clock.now) == .seconds(max(5, delay)))
        await runner.stop()
    }

    @Test func readinessFailureMarksUnhealthyWithoutRestarting() async {
        prober.answer("http-get", ProbeOutcome(passed: false, output: "HTTP 503 on /ready"))
        let readiness = Probe(action: .httpGet(path: "/ready", port: nil, headers: [:]), period: .seconds(1), failureThreshold: 1)
        let runner = runner(RestartPolicy(condition: .always), probes: ProbeSet(readiness: readiness))
        await runner.run()
        #expect(await eventually { await runner.currentState == .unhealthy })
        #expect(await reasons(runner, type: "unhealthy") == ["Readiness probe failed: HTTP 503 on /ready"])
        #expect(driver.started.count == 1)
        await runner.stop()
    }

    @Test(arguments: [true, false])
    func failingHealthcheckMarksUnhealthyThenRestartsUnlessOptedOut(_ restartUnhealthy: Bool) async {
        prober.answer("exec", ProbeOutcome(passed: false, exitCode: 1, output: "not ok"))
        let check = Healthcheck(test: .shell("false"), interval: .seconds(2), timeout: .seconds(1), retries: 2, startPeriod: .zero)
        let runner = runner(RestartPolicy(condition: .always), healthcheck: check, restartUnhealthy: restartUnhealthy)
        await runner.run()
        for _ in 0..<2 {
            #expect(await clock.waitForSleepers(1))
            clock.advanceToNextDeadline()
        }
        if restartUnhealthy {
            #expect(await eventually { await runner.currentState == .backoff })
            #expect(await reasons(runner, type: "stopping") == ["Restarting unhealthy instance: Healthcheck failed 2 times: not ok"])
        } else {
            #expect(await eventually { await runner.currentState == .unhealthy })
            #expect(await reasons(runner, type: "unhealthy") == ["Healthcheck failed 2 times: not ok"])
            #expect(await runner.status.health == "unhealthy")
            #expect(await runner.status.probeLog.count == 2)
        }
        await runner.stop()
    }

    @Test func healthcheckPassingMakesItHealthyAndReady() async {
        let check = Healthcheck(test: .exec(["true"]), interval: .seconds(30), startPeriod: .seconds(10), startInterval: .seconds(1))
        let runner = runner(RestartPolicy(condition: .always), healthcheck: check)
        await runner.run()
        #expect(await clock.waitForSleepers(1))
        // start_interval applies inside start_period.
        #expect(clock.advanceToNextDeadline() == .seconds(1))
        #expect(await eventually { await runner.currentState == .healthy })
        #expect(await runner.status.health == "healthy")
        #expect(await runner.status.ready)
        #expect(await clock.waitForSleepers(1))
        #expect(clock.advanceToNextDeadline() == .seconds(30))
        await runner.stop()
    }

    @Test func stopEscalatesToSIGKILLAfterTheGracePeriod() async {
        driver.ignoreTerm("demo-api-1")
        let runner = runner(RestartPolicy(condition: .always), grace: .seconds(7))
        await runner.run()
        #expect(await eventually { driver.runningPid("demo-api-1") != nil })
        let stopping = Task { await runner.stop() }
        #expect(await eventually { await runner.currentState == .stopping && clock.sleeperCount == 1 })
        #expect(driver.signals.map(\.signal) == [SIGTERM])
        #expect(clock.advanceToNextDeadline() == .seconds(7))
        await stopping.value
        #expect(driver.signals.map(\.signal) == [SIGTERM, SIGKILL])
        #expect(await runner.currentState == .exited)
        #expect(await reasons(runner, type: "killing") == ["Grace period 7s over: SIGKILL"])
        #expect(driver.started.count == 1)
    }

    @Test func stopDuringBackoffEndsIt() async {
        let runner = runner(RestartPolicy(condition: .always, delay: .seconds(30)))
        await runner.run()
        #expect(await eventually { driver.runningPid("demo-api-1") != nil })
        driver.exit("demo-api-1", .exited(1))
        #expect(await eventually { await runner.currentState == .backoff })
        await runner.stop()
        #expect(await runner.currentState == .exited)
        #expect(await reasons(runner, type: "exited").last == "Stopped during back-off")
        #expect(driver.started.count == 1)
    }
}

@Suite struct TaskRunnerStoreTests {
    /// An agent killed between recording a start and removing the earlier run's state would
    /// leave a `starting` record over that run's task and exit file, which the next agent
    /// would count as an exit of the new start (SuperviseKillTests caught it: 11 exits for 10
    /// starts). So the earlier run's state goes before the start is recorded.
    @Test func theEarlierRunIsDiscardedBeforeTheNextStartIsRecorded() async throws {
        let clock = FakeClock()
        let driver = FakeTaskDriver()
        let store = try SQLiteStore(inMemory: 1000)
        let seen = Mutex<[InstanceState?]>([])
        driver.whenDiscarding { id in
            let state = try? await store.instance(id: id)?.state
            seen.withLock { $0.append(state) }
        }
        let configuration = RunnerConfiguration(
            identity: InstanceIdentity(stack: "demo", service: "api", replica: 1),
            taskSpec: TaskSpec(id: "demo-api-1", command: ["/bin/true"]), restart: RestartPolicy(condition: .always, delay: .milliseconds(10)))
        let runner = TaskRunner(configuration: configuration, driver: driver, prober: FakeProbeExecutor(), clock: clock,
                                store: store, jitter: .none)
        await runner.run()
        #expect(await eventually { driver.runningPid("demo-api-1") != nil })
        // The workload exits; after its back-off the runner starts it again.
        driver.exit("demo-api-1", .exited(1))
        #expect(await eventually { await runner.currentState == .backoff && clock.sleeperCount == 1 })
        clock.advanceToNextDeadline()
        #expect(await eventually { driver.started.count == 2 })
        await runner.flush()
        #expect(seen.withLock { $0 }.count >= 2)
        #expect(!seen.withLock { $0 }.contains(.starting), "\(seen.withLock { $0 })")
        await runner.stop()
    }

    @Test func detachLeavesTheStoreAsTheLastTruthAndTouchesNothing() async throws {
        let clock = FakeClock()
        let driver = FakeTaskDriver()
        let store = try SQLiteStore(inMemory: 1000)
        let configuration = RunnerConfiguration(
            identity: InstanceIdentity(stack: "demo", service: "api", replica: 1),
            taskSpec: TaskSpec(id: "demo-api-1", command: ["/bin/true"]), restart: RestartPolicy(condition: .always))
        let runner = TaskRunner(configuration: configuration, driver: driver, prober: FakeProbeExecutor(), clock: clock,
                                store: store, jitter: .none)
        await runner.run()
        #expect(await eventually { driver.runningPid("demo-api-1") != nil })
        await runner.flush()
        await runner.detach()
        #expect(driver.signals.isEmpty)
        let record = try #require(try await store.instance(id: "demo-api-1"))
        #expect(record.state == .running)
        #expect(record.pid == driver.runningPid("demo-api-1"))
        #expect(record.desired == .running)
        let events = try await store.events(instance: "demo-api-1", limit: 10)
        #expect(events.map(\.type) == ["starting", "started"])
    }
}
