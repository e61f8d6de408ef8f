import AICoreRuntime
import AICoreSpec

/// The runner's side of the checks: which run where (an exec healthcheck on the driver when it
/// can repeat it, the rest in one `checkLoop` each), and what each result does to the instance
/// (`InstanceChecks` says, `apply` carries it out).
extension TaskRunner {
    struct RepeatedHealthcheck {
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

    /// One check the runner makes itself, again and again.
    struct CheckLoop {
        var which: ProbeResult.Probe
        var action: ProbeAction
        var timeout: Duration
        var timing: CheckTiming
        /// When the first check runs.
        var first: C.Instant
    }

    /// Starts the checks of a process that runs: an exec healthcheck on the driver when it can
    /// repeat it (no task here at all), everything else in `probeTask`.
    func startChecks(_ handle: TaskHandle, generation gen: Int) {
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
    func runChecks(_ handle: TaskHandle, generation gen: Int, started: C.Instant, healthcheck: Bool) async {
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
    func probeLoop(_ which: ProbeResult.Probe, _ probe: Probe, started: C.Instant) -> CheckLoop? {
        guard let action = ProbeAction.from(probe.action, primaryPort: configuration.ports.first, host: configuration.probeHost) else {
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
    func checkLoop(_ loop: CheckLoop, _ handle: TaskHandle, started: C.Instant, generation gen: Int) async -> Bool {
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
    func repeatHealthcheck(_ handle: TaskHandle, _ check: Healthcheck, _ command: [String],
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

    func takeHealthcheckResults(generation gen: Int) {
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
    func stopRepeatedHealthcheck() {
        guard let repeated = repeatedHealthcheck else { return }
        checks.keepHealthcheckLog(repeatedResults(repeated))
        repeated.run.cancel()
        repeatedHealthcheck = nil
    }

    func repeatedResults(_ repeated: RepeatedHealthcheck) -> [ProbeResult] {
        repeated.run.recent().map { result in
            let (outcome, start, end) = repeated.judged(result)
            return ProbeResult(probe: .healthcheck, start: start, end: end, passed: outcome.passed,
                               exitCode: outcome.exitCode, output: ProbeOutcome.truncated(outcome.output))
        }
    }

    /// The probe log, with a repeated healthcheck's latest results (the runner hears of steady
    /// passes only now and then).
    var currentProbeLog: [ProbeResult] {
        checks.log(healthcheck: repeatedHealthcheck.map(repeatedResults))
    }

    /// Applies one check's result: its verdict on the state, readiness, the events and the
    /// Store. false once its loop must end (the instance is being stopped, or this process is
    /// gone).
    func apply(_ which: ProbeResult.Probe, _ outcome: ProbeOutcome, start: String, end: String,
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
}
