import AICoreErrors
import AICoreController
import AICoreSpec
import AICoreStore
import AICoreSupervisor
import AICoreTestSupport
import Synchronization
import Testing

/// Rollouts carried out for real over the fake driver and clock: which replicas run when, what
/// the Store records, and how failures end.
extension ReconcilerTests {
    struct RolloutRun {
        var result: Result<ReconcilePlan, any Error>
        /// The fewest ready replicas of the service seen at any point of the apply.
        var fewestReady: Int
        /// The most replicas of the service seen at once.
        var mostInstances: Int
    }

    /// Applies `stack` while advancing the fake clock in rollout-poll steps, sampling the
    /// service's replicas at each. `onLook` sees every sample (to make replicas fail).
    func applyWatching(_ stack: Stack, service: String,
                       onLook: @escaping @Sendable ([InstanceRecord]) -> Void = { _ in }) async throws -> RolloutRun {
        let finished = Atomic<Bool>(false)
        let reconciler = self.reconciler
        let task = Task {
            defer { finished.store(true, ordering: .sequentiallyConsistent) }
            return try await reconciler.apply(stack)
        }
        var fewest = Int.max
        var most = 0
        for _ in 0..<20_000 where !finished.load(ordering: .sequentiallyConsistent) {
            let mine = try await store.instances(stack: stack.name).filter { $0.service == service && $0.state != .pending }
            fewest = min(fewest, mine.filter { $0.ready && $0.desired == .running }.count)
            most = max(most, mine.count)
            onLook(mine)
            clock.advance(by: .milliseconds(100))
            try await Task.sleep(for: .milliseconds(1))
        }
        if !finished.load(ordering: .sequentiallyConsistent) { task.cancel() }
        return RolloutRun(result: await task.result, fewestReady: fewest, mostInstances: most)
    }

    func api(replicas: Int = 3, version: String, surge: IntOrPercent = .count(1), unavailable: IntOrPercent = .count(0),
             deadline: Duration = .seconds(20), healthcheck: Healthcheck? = nil, autoRollback: Bool = true) -> Stack {
        var service = Fixtures.service("api", replicas: replicas, environment: ["VERSION": version], healthcheck: healthcheck)
        service.aicore.rollout = RolloutSettings(maxSurge: surge, maxUnavailable: unavailable, progressDeadline: deadline,
                                                 autoRollback: autoRollback)
        return Fixtures.stack(service)
    }

    func hashes(_ service: String) async throws -> [String?] {
        try await store.instances(stack: "demo").filter { $0.service == service }.map(\.specHash)
    }

    @Test func aChangedSpecRollsOutOneSurgeReplicaAtATimeWithoutLosingReadyReplicas() async throws {
        try await reconciler.apply(api(version: "1"))
        let v2 = api(version: "2")
        let run = try await applyWatching(v2, service: "api")
        _ = try run.result.get()
        #expect(run.fewestReady >= 3)
        #expect(run.mostInstances == 4)
        let newHash = ServiceSpecHash.of(v2.services[0])
        #expect(try await hashes("api") == [newHash, newHash, newHash])
        let rollout = try #require(try await store.rollouts(stack: "demo").first)
        #expect(rollout.state == .complete && rollout.revision == 2 && rollout.fromRevision == 1 && rollout.toHash == newHash)
        #expect(try await store.serviceRevisions(stack: "demo", service: "api").map(\.revision) == [1, 2])
        #expect(try await store.services(stack: "demo").first?.specHash == newHash)
        let types = try await store.events(instance: nil, limit: 200).map(\.type)
        #expect(types.contains("rollout-started") && types.contains("rollout-complete"))
        #expect(types.filter { $0 == "rollout-stop" }.count == 3)
        // Done: the same spec again changes nothing.
        #expect(try await reconciler.apply(v2).isNoOp)
    }

    @Test func stopFirstRollsWithinMaxUnavailable() async throws {
        try await reconciler.apply(api(replicas: 4, version: "1", surge: .count(0), unavailable: .percent(50)))
        let run = try await applyWatching(api(replicas: 4, version: "2", surge: .count(0), unavailable: .percent(50)), service: "api")
        _ = try run.result.get()
        #expect(run.fewestReady >= 2)
        #expect(run.mostInstances == 4)
    }

    @Test func aVersionThatNeverTurnsReadyIsRolledBackAtTheProgressDeadline() async throws {
        let v1 = api(version: "1")
        try await reconciler.apply(v1)
        prober.answer("exec", ProbeOutcome(passed: false, output: "not ready"))
        let check = Healthcheck(test: .exec(["check"]), interval: .seconds(1), timeout: .seconds(1), retries: 1000)
        let run = try await applyWatching(api(version: "2", deadline: .seconds(5), healthcheck: check), service: "api")
        #expect(throws: AICoreError.self) { try run.result.get() }
        if case let .failure(error as AICoreError) = run.result {
            #expect(error.code == .rolloutFailed)
            #expect(error.message.contains("rolled back to revision 3") && error.message.contains("progress_deadline"))
        }
        #expect(run.fewestReady >= 3)
        let oldHash = ServiceSpecHash.of(v1.services[0])
        #expect(try await hashes("api") == [oldHash, oldHash, oldHash])
        let rollout = try #require(try await store.rollouts(stack: "demo").first)
        #expect(rollout.state == .rolledBack && rollout.toHash == oldHash)
        // The stack's desired state is the good spec again, a new revision of it.
        #expect(await reconciler.stack(named: "demo")?.services.first?.environment["VERSION"] == "1")
        #expect(try await store.serviceRevisions(stack: "demo", service: "api").map(\.specHash).last == oldHash)
        #expect(try await reconciler.apply(v1).isNoOp)
    }

    @Test func aNewReplicaThatExitsFailsTheRolloutAndItRollsBack() async throws {
        let v1 = api(version: "1")
        try await reconciler.apply(v1)
        let v2 = api(version: "2")
        let newHash = ServiceSpecHash.of(v2.services[0])
        let driver = self.driver
        let crashed = Mutex<String?>(nil)
        let run = try await applyWatching(v2, service: "api") { instances in
            guard let victim = instances.first(where: { $0.specHash == newHash && $0.state == .running }) else { return }
            let first = crashed.withLock { value -> Bool in
                guard value == nil else { return false }
                value = victim.id
                return true
            }
            if first { driver.exit(victim.id, .exited(7)) }
        }
        if case let .failure(error as AICoreError) = run.result {
            #expect(error.message.contains("\(crashed.withLock { $0 } ?? "?")"))
            #expect(error.message.contains("rolled back"))
        } else {
            Issue.record("the rollout should have failed: \(run.result)")
        }
        let oldHash = ServiceSpecHash.of(v1.services[0])
        #expect(try await hashes("api") == [oldHash, oldHash, oldHash])
        // The crash itself is the only loss: an involuntary one, which no budget can prevent.
        #expect(run.fewestReady >= 2)
    }

    @Test func rolloutsThatSupersedeEachOtherStillRollBackToWhatRan() async throws {
        func version(_ name: String, deadline: Duration = .seconds(600)) -> Stack {
            let check = Healthcheck(test: .exec(["check"]), interval: .seconds(1), timeout: .seconds(1), retries: 1000)
            var stack = api(version: name, deadline: deadline, healthcheck: name == "1" ? nil : check)
            stack.services[0].aicore.rollout.revisionHistory = 1
            return stack
        }
        let v1 = version("1")
        try await reconciler.apply(v1)
        prober.answer("exec", ProbeOutcome(passed: false, output: "not ready"))
        // Three changes in a row, each superseding the last before it got anywhere.
        for name in ["2", "3", "4"] {
            let reconciler = self.reconciler
            let stack = version(name)
            let apply = Task { try await reconciler.apply(stack) }
            let hash = ServiceSpecHash.of(stack.services[0])
            #expect(await eventually { (try? await store.rollouts(stack: "demo").first?.toHash) == hash })
            apply.cancel()
            for _ in 0..<50 { clock.advance(by: .milliseconds(100)); try await Task.sleep(for: .milliseconds(1)) }
            _ = await apply.result
        }
        let run = try await applyWatching(version("5", deadline: .seconds(3)), service: "api")
        if case let .failure(error as AICoreError) = run.result {
            #expect(error.message.contains("rolled back"), "\(error.message)")
        } else {
            Issue.record("the last rollout should have failed and rolled back: \(run.result)")
        }
        let oldHash = ServiceSpecHash.of(v1.services[0])
        #expect(try await hashes("api").allSatisfy { $0 == oldHash })
        #expect(try await hashes("api").count == 3)
    }

    @Test func aOneShotThatCompletesCountsAsRolledOut() async throws {
        var migrate = Fixtures.service("migrate", environment: ["VERSION": "1"])
        try await reconciler.apply(Fixtures.stack(migrate))
        driver.exit("demo-migrate-1", .exited(0))
        #expect(await eventually { (try? await store.instance(id: "demo-migrate-1"))?.state == .exited })
        migrate.environment["VERSION"] = "2"
        let driver = self.driver
        let newHash = ServiceSpecHash.of(migrate)
        let run = try await applyWatching(Fixtures.stack(migrate), service: "migrate") { instances in
            for instance in instances where instance.state == .running && instance.specHash == newHash {
                driver.exit(instance.id, .exited(0))
            }
        }
        _ = try run.result.get()
        #expect(try await hashes("migrate") == [newHash])
        #expect(try await store.rollouts(stack: "demo").first?.state == .complete)
    }

    @Test func aRevisionThatNeverBecameAvailableIsNotRolledBackToAndAFixSupersedesTheFailure() async throws {
        prober.answer("exec", ProbeOutcome(passed: false, output: "not ready"))
        let check = Healthcheck(test: .exec(["check"]), interval: .seconds(1), timeout: .seconds(1), retries: 1000)
        // The first revision never turns ready; the second does not either.
        try await reconciler.apply(api(version: "1", healthcheck: check))
        let broken = try await applyWatching(api(version: "2", deadline: .seconds(5), healthcheck: check), service: "api")
        guard case let .failure(error as AICoreError) = broken.result else {
            Issue.record("the rollout should have failed: \(broken.result)")
            return
        }
        #expect(error.code == .rolloutFailed)
        #expect(error.message.hasSuffix("not rolled back: no earlier revision of api was ever available"), "\(error.message)")
        let failed = try #require(try await store.rollouts(stack: "demo").first)
        #expect(failed.state == .failed && failed.rollbackHash == nil)
        #expect(await reconciler.stack(named: "demo")?.services.first?.environment["VERSION"] == "2",
                "nothing went back to the revision that never ran")

        // A corrected spec supersedes the failed rollout and completes.
        let fixed = api(version: "3")
        let run = try await applyWatching(fixed, service: "api")
        _ = try run.result.get()
        let fixedHash = ServiceSpecHash.of(fixed.services[0])
        #expect(try await hashes("api") == [fixedHash, fixedHash, fixedHash])
        let rollout = try #require(try await store.rollouts(stack: "demo").first)
        #expect(rollout.state == .complete && rollout.toHash == fixedHash)
        #expect(try await store.services(stack: "demo").first?.specHash == fixedHash)
    }

    @Test func aRolloutFallsBackToTheLastRevisionThatWasAvailable() async throws {
        let v1 = api(version: "1")
        try await reconciler.apply(v1)
        let v1Hash = ServiceSpecHash.of(v1.services[0])
        prober.answer("exec", ProbeOutcome(passed: false, output: "not ready"))
        let check = Healthcheck(test: .exec(["check"]), interval: .seconds(1), timeout: .seconds(1), retries: 1000)
        let reconciler = self.reconciler
        // v2 starts from v1, whose replicas are ready: v1 is where a failure goes back to, and
        // stays so when v3 supersedes v2 before it got anywhere.
        let v2 = Task { try await reconciler.apply(api(version: "2", deadline: .seconds(600), healthcheck: check)) }
        #expect(await eventually { (try? await store.rollouts(stack: "demo").first?.rollbackHash) == v1Hash })
        v2.cancel()
        for _ in 0..<50 { clock.advance(by: .milliseconds(100)); try await Task.sleep(for: .milliseconds(1)) }
        _ = await v2.result
        let run = try await applyWatching(api(version: "3", deadline: .seconds(3), healthcheck: check), service: "api")
        guard case let .failure(error as AICoreError) = run.result else {
            Issue.record("the rollout should have failed and rolled back: \(run.result)")
            return
        }
        #expect(error.message.contains("rolled back"), "\(error.message)")
        #expect(try await hashes("api") == [v1Hash, v1Hash, v1Hash])
    }

    @Test func withoutAutoRollbackAFailedRolloutPausesWithItsReason() async throws {
        try await reconciler.apply(api(version: "1", autoRollback: false))
        prober.answer("exec", ProbeOutcome(passed: false, output: "not ready"))
        let check = Healthcheck(test: .exec(["check"]), interval: .seconds(1), timeout: .seconds(1), retries: 1000)
        let stack = api(version: "2", deadline: .seconds(3), healthcheck: check, autoRollback: false)
        let reconciler = self.reconciler
        let finished = Atomic<Bool>(false)
        let apply = Task {
            defer { finished.store(true, ordering: .sequentiallyConsistent) }
            return try await reconciler.apply(stack)
        }
        var state: RolloutRecord.State?
        for _ in 0..<2000 {
            state = try await store.rollouts(stack: "demo").first?.state
            if state == .paused { break }
            clock.advance(by: .milliseconds(100))
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(state == .paused)
        #expect(try await store.rollouts(stack: "demo").first?.reason?.contains("progress_deadline") == true)
        // Paused: old and new replicas stay as they are, the old ones serving.
        #expect(try await store.instances(stack: "demo").filter(\.ready).count == 3)
        // A paused rollout waits for `resume`; a newer operation cancels it. (The fake clock's
        // sleeps end when it moves, so it keeps moving until the apply has seen the cancel.)
        apply.cancel()
        for _ in 0..<2000 where !finished.load(ordering: .sequentiallyConsistent) {
            clock.advance(by: .milliseconds(100))
            try await Task.sleep(for: .milliseconds(1))
        }
        _ = await apply.result
    }
}

@Suite struct RolloutPolicyTests {
    func service(replicas: Int, ports: Bool = true) -> Service {
        var service = Service(name: "api")
        service.deploy.replicas = replicas
        if ports { service.ports = [PortMapping(target: 8080)] }
        return service
    }

    @Test func kubernetesDefaultsRoundSurgeUpAndUnavailableDown() {
        let policy = RolloutPolicy.of(service(replicas: 3), replicas: 3)
        #expect(policy.maxSurge == 1 && policy.minAvailable == 3)
        let ten = RolloutPolicy.of(service(replicas: 10), replicas: 10)
        #expect(ten.maxSurge == 3 && ten.minAvailable == 8)
    }

    @Test func composeUpdateConfigMapsOrderAndParallelism() {
        var startFirst = service(replicas: 4)
        startFirst.deploy.updateConfig = UpdateConfig(parallelism: 2, delay: .seconds(1), failureAction: .pause, monitor: .seconds(9),
                                                      order: .startFirst)
        let policy = RolloutPolicy.of(startFirst, replicas: 4)
        #expect(policy.maxSurge == 2 && policy.minAvailable == 4)
        #expect(policy.failureAction == .pause && policy.monitor == .seconds(9) && policy.delay == .seconds(1))
        var stopFirst = service(replicas: 4)
        stopFirst.deploy.updateConfig = UpdateConfig(parallelism: 1, failureAction: .rollback, order: .stopFirst)
        let stop = RolloutPolicy.of(stopFirst, replicas: 4)
        #expect(stop.maxSurge == 0 && stop.minAvailable == 3)
        stopFirst.deploy.rollbackConfig = UpdateConfig(parallelism: 0, failureAction: .continue)
        let rollback = RolloutPolicy.of(stopFirst, replicas: 4, rollback: true)
        #expect(rollback.maxSurge == 0 && rollback.minAvailable == 0 && rollback.failureAction == .continue)
    }

    @Test func aDisruptionBudgetRaisesTheFloorAndASurgeMakesRoom() {
        var held = service(replicas: 3)
        held.aicore.rollout = RolloutSettings(maxSurge: .count(0), maxUnavailable: .count(2))
        held.aicore.disruptionBudget = .minAvailable(.percent(100))
        let policy = RolloutPolicy.of(held, replicas: 3)
        #expect(policy.minAvailable == 3 && policy.maxSurge == 1)
        held.aicore.disruptionBudget = .maxUnavailable(.count(1))
        #expect(RolloutPolicy.of(held, replicas: 3).minAvailable == 2)
    }

    @Test func aSingleReplicaOnItsOwnPortIsReplacedStopFirst() {
        let policy = RolloutPolicy.of(service(replicas: 1), replicas: 1)
        #expect(policy.maxSurge == 0 && policy.minAvailable == 0)
        // Without ports nothing collides: start first.
        #expect(RolloutPolicy.of(service(replicas: 1, ports: false), replicas: 1).maxSurge == 1)
    }
}
