import AICoreErrors
import AICoreController
import AICoreSpec
import Testing

@Suite struct ReconcilePlannerTests {
    let planner = Fixtures.planner()
    let node = [Fixtures.node()]

    /// The actual state right after `plan` was carried out.
    func after(_ plan: ReconcilePlan, _ before: ActualState = .empty) -> ActualState {
        var state = before
        for step in plan.steps {
            switch step {
            case let .stop(id, _, _): state.instances.removeAll { $0.id == id }
            case let .start(id, service, replica, _):
                state.instances.removeAll { $0.id == id }
                state.instances.append(.init(id: id, service: service, replica: replica))
            case let .pending(id, service, replica, reason):
                state.instances.removeAll { $0.id == id }
                state.instances.append(.init(id: id, service: service, replica: replica, pendingReason: reason))
            case let .rollout(service, hash, replicas):
                // What a complete rollout leaves: only new replicas, the service recorded.
                state.instances.removeAll { $0.service == service }
                for replica in (replicas == 0 ? [] : Array(1...replicas)) {
                    state.instances.append(.init(id: "demo-\(service)-\(replica)", service: service, replica: replica, specHash: hash))
                }
                state.serviceHashes[service] = hash
            case let .recordService(service, hash, _): state.serviceHashes[service] = hash
            case let .forgetService(service): state.serviceHashes[service] = nil
            case let .createVolume(volume): state.volumes.insert(volume.path)
            case let .removeVolume(_, path): state.volumes.remove(path)
            case .await: break
            }
        }
        return state
    }

    var aiCore: Stack {
        Fixtures.stack(
            Fixtures.service("postgres"),
            Fixtures.service("redis"),
            Fixtures.service("api", replicas: 3, dependsOn: [
                ServiceDependency(service: "postgres", condition: .serviceHealthy),
                ServiceDependency(service: "redis", condition: .serviceStarted),
            ]),
            Fixtures.service("nginx", dependsOn: [ServiceDependency(service: "api", condition: .serviceHealthy)]))
    }

    @Test func aNewStackStartsInDependencyOrderBehindItsGates() throws {
        let plan = try planner.apply(aiCore, actual: .empty, nodes: node)
        #expect(plan.steps.filter { if case .recordService = $0 { false } else { true } }.map(\.description) == [
            "start demo-postgres-1 on local",
            "start demo-redis-1 on local",
            "await api waits for postgres: service_healthy",
            "await api waits for redis: service_started",
            "start demo-api-1 on local", "start demo-api-2 on local", "start demo-api-3 on local",
            "await nginx waits for api: service_healthy",
            "start demo-nginx-1 on local",
        ])
    }

    @Test func reapplyingAnUnchangedStackIsANoOp() throws {
        let first = try planner.apply(aiCore, actual: .empty, nodes: node)
        let again = try planner.apply(aiCore, actual: after(first), previous: aiCore, nodes: node)
        #expect(again.isNoOp)
        #expect(again.steps.isEmpty)
    }

    @Test func scalingUpTakesTheLowestFreeNumbersAndScalingDownStopsTheHighestFirst() throws {
        var stack = Fixtures.stack(Fixtures.service("api", replicas: 3))
        let three = after(try planner.apply(stack, actual: .empty, nodes: node))
        #expect(three.instances.map(\.id).sorted() == ["demo-api-1", "demo-api-2", "demo-api-3"])

        stack.services[0].deploy.replicas = 5
        let up = try planner.apply(stack, actual: three, nodes: node)
        #expect(up.starts == ["demo-api-4", "demo-api-5"])
        #expect(up.stops.isEmpty)
        // Scaling is not a spec change: nothing is replaced, the hash stays.
        let five = after(up, three)

        stack.services[0].deploy.replicas = 2
        let down = try planner.apply(stack, actual: five, nodes: node)
        #expect(down.stops == ["demo-api-5", "demo-api-4", "demo-api-3"])
        #expect(down.starts.isEmpty)
        #expect(after(down, five).instances.map(\.id).sorted() == ["demo-api-1", "demo-api-2"])
    }

    @Test func aGapLeftByAMissingInstanceIsFilledFirst() throws {
        let stack = Fixtures.stack(Fixtures.service("api", replicas: 3))
        var actual = after(try planner.apply(stack, actual: .empty, nodes: node))
        actual.instances.removeAll { $0.id == "demo-api-2" }
        #expect(try planner.apply(stack, actual: actual, nodes: node).starts == ["demo-api-2"])
    }

    @Test func aChangedEnvironmentIsRolledOutBehindTheServicesGates() throws {
        var stack = aiCore
        let before = after(try planner.apply(stack, actual: .empty, nodes: node))
        let index = try #require(stack.services.firstIndex { $0.name == "api" })
        stack.services[index].environment["AICORE_SAMPLE_VERSION"] = "2"
        let hash = ServiceSpecHash.of(stack.services[index])
        let plan = try planner.apply(stack, actual: before, previous: aiCore, nodes: node)
        #expect(plan.steps.filter(\.changesWorkload).map(\.description) == ["roll out api to \(hash) ×3"])
        // The new replicas wait on api's own dependencies, as a first start does.
        #expect(plan.steps.contains(.await(Gate(service: "postgres", condition: .serviceHealthy, dependent: "api"))))
        #expect(try planner.apply(stack, actual: after(plan, before), previous: stack, nodes: node).isNoOp)
    }

    @Test func aServiceLeftHalfRolledOutGoesBackToItsRolloutEvenWhenScaled() throws {
        var stack = Fixtures.stack(Fixtures.service("api", replicas: 3))
        let hash = ServiceSpecHash.of(stack.services[0])
        // An agent killed mid-rollout: two old replicas, two new ones (one a surge).
        let actual = ActualState(serviceHashes: ["api": "0ld"], instances: [
            .init(id: "demo-api-1", service: "api", replica: 1, specHash: "0ld"),
            .init(id: "demo-api-2", service: "api", replica: 2, specHash: "0ld"),
            .init(id: "demo-api-3", service: "api", replica: 3, specHash: hash),
            .init(id: "demo-api-4", service: "api", replica: 4, specHash: hash),
        ])
        stack.services[0].deploy.replicas = 4
        let plan = try planner.apply(stack, actual: actual, nodes: node)
        #expect(plan.steps.map(\.description) == ["roll out api to \(hash) ×4"])
    }

    @Test func replicaNumbersNeedNotStartAtOne() throws {
        var stack = Fixtures.stack(Fixtures.service("api", replicas: 3))
        let hash = ServiceSpecHash.of(stack.services[0])
        // After a rollout with surge: 2, 4 and 5 run the current spec.
        let actual = ActualState(serviceHashes: ["api": hash], instances: [2, 4, 5].map {
            .init(id: "demo-api-\($0)", service: "api", replica: $0, specHash: hash)
        })
        #expect(try planner.apply(stack, actual: actual, nodes: node).isNoOp)
        stack.services[0].deploy.replicas = 4
        #expect(try planner.apply(stack, actual: actual, nodes: node).starts == ["demo-api-1"])
        stack.services[0].deploy.replicas = 1
        #expect(try planner.apply(stack, actual: actual, nodes: node).stops == ["demo-api-5", "demo-api-4"])
    }

    @Test func theSpecHashIgnoresReplicasAndIsStable() {
        var service = Fixtures.service("api", replicas: 1, environment: ["B": "2", "A": "1"])
        let one = ServiceSpecHash.of(service)
        service.deploy.replicas = 7
        #expect(ServiceSpecHash.of(service) == one)
        service.environment["A"] = "changed"
        #expect(ServiceSpecHash.of(service) != one)
        // Same value in every process: FNV-1a over the canonical JSON, never Swift's seeded Hasher.
        #expect(one.count == 16)
    }

    @Test func anInstanceThatDoesNotFitIsPendingWithTheReasonAndPlacedOnceThereIsRoom() throws {
        let stack = Fixtures.stack(Fixtures.service("api", replicas: 3, cpus: 0.5))
        let plan = try planner.apply(stack, actual: .empty, nodes: [Fixtures.node(cpus: 1.2)])
        #expect(plan.starts == ["demo-api-1", "demo-api-2"])
        #expect(plan.pending == ["demo-api-3": "Insufficient cpu: requested 0.5, 0.2 free"])
        let actual = after(plan)
        // Still no room: nothing to do (the reason is already recorded).
        #expect(try planner.apply(stack, actual: actual, nodes: [Fixtures.node(cpus: 1.2)]).isNoOp)
        // Room appears: the pending instance starts under its name.
        #expect(try planner.apply(stack, actual: actual, nodes: [Fixtures.node(cpus: 2)]).starts == ["demo-api-3"])
    }

    @Test func servicesThatLeaveTheStackStopDependentsBeforeDependencies() throws {
        let before = after(try planner.apply(aiCore, actual: .empty, nodes: node))
        let smaller = Fixtures.stack(Fixtures.service("redis"))
        let plan = try planner.apply(smaller, actual: before, previous: aiCore, nodes: node)
        #expect(plan.stops == ["demo-nginx-1", "demo-api-3", "demo-api-2", "demo-api-1", "demo-postgres-1"])
        #expect(plan.starts.isEmpty)
    }

    @Test func downStopsInReverseDependencyOrderAndKeepsVolumesUnlessAsked() throws {
        var stack = aiCore
        let index = try #require(stack.services.firstIndex { $0.name == "postgres" })
        stack.services[index].volumes = [VolumeMount(kind: .volume, source: "pgdata", target: "/var/lib/postgresql/data")]
        stack.volumes = [VolumeDefinition(key: "pgdata", name: "demo_pgdata")]
        let actual = after(try planner.apply(stack, actual: .empty, nodes: node))
        let down = planner.down(stack: "demo", actual: actual, previous: stack, removeVolumes: false)
        #expect(down.stops == ["demo-nginx-1", "demo-api-3", "demo-api-2", "demo-api-1", "demo-redis-1", "demo-postgres-1"])
        #expect(!down.steps.contains { if case .removeVolume = $0 { true } else { false } })
        let downV = planner.down(stack: "demo", actual: actual, previous: stack, removeVolumes: true)
        #expect(downV.steps.last == .removeVolume(name: "pgdata", path: "/var/lib/aicore-test/volumes/demo_pgdata"))
    }

    @Test func downVOfAStackThatIsGoneRemovesItsRecordedVolumesByKey() {
        let actual = ActualState(volumes: ["/var/lib/aicore-test/volumes/demo_pgdata", "/var/lib/aicore-test/volumes/demo_my_cache"])
        let plan = planner.down(stack: "demo", actual: actual, previous: nil, removeVolumes: true)
        #expect(plan.steps == [.removeVolume(name: "my_cache", path: "/var/lib/aicore-test/volumes/demo_my_cache"),
                               .removeVolume(name: "pgdata", path: "/var/lib/aicore-test/volumes/demo_pgdata")])
        #expect(plan.removedVolumes == ["demo_my_cache", "demo_pgdata"])
        #expect(planner.down(stack: "demo", actual: actual, previous: nil, removeVolumes: false).steps.isEmpty)
    }

    @Test func aNamedVolumeIsCreatedOnceOwnedByTheFirstServiceThatMountsIt() throws {
        let mount = VolumeMount(kind: .volume, source: "pgdata", target: "/data")
        let stack = Fixtures.stack(
            Fixtures.service("postgres", volumes: [mount], user: "postgres"),
            Fixtures.service("backup", dependsOn: [ServiceDependency(service: "postgres")], volumes: [mount]),
            volumes: ["pgdata"])
        let users: [String: UserLookup] = ["postgres": .found(uid: 105, gid: 110)]
        let plan = try planner.apply(stack, actual: ActualState(users: users), nodes: node)
        let creates = plan.steps.compactMap { if case let .createVolume(v) = $0 { v } else { nil } }
        #expect(creates == [VolumePlan(name: "pgdata", path: "/var/lib/aicore-test/volumes/demo_pgdata", uid: 105, gid: 110)])
        #expect(plan.steps.first == .createVolume(creates[0]))
        var next = after(plan)
        next.users = users
        #expect(try planner.apply(stack, actual: next, nodes: node).isNoOp)
    }

    @Test func anExternalVolumeIsNeverCreated() throws {
        var stack = Fixtures.stack(Fixtures.service("db", volumes: [VolumeMount(kind: .volume, source: "shared", target: "/d")]))
        stack.volumes = [VolumeDefinition(key: "shared", name: "shared", external: true)]
        #expect(!(try planner.apply(stack, actual: .empty, nodes: node)).steps.contains { if case .createVolume = $0 { true } else { false } })
    }

    @Test func aVolumeOwnerThatCannotBeResolvedIsAnError() {
        let stack = Fixtures.stack(Fixtures.service("db", volumes: [VolumeMount(kind: .volume, source: "d", target: "/d")], user: "nobody-here"),
                                   volumes: ["d"])
        let error = #expect(throws: AICoreError.self) {
            try planner.apply(stack, actual: ActualState(users: ["nobody-here": .failed("no user nobody-here in /etc/passwd")]), nodes: node)
        }
        #expect(error?.message == "service db: cannot resolve user nobody-here to own volume d: no user nobody-here in /etc/passwd")
        #expect(throws: AICoreError.self) { try planner.apply(stack, actual: .empty, nodes: node) }
    }

    @Test func anOperatorRestartAlsoRestartsDependentsThatAskForIt() throws {
        let stack = Fixtures.stack(
            Fixtures.service("db"),
            Fixtures.service("api", dependsOn: [ServiceDependency(service: "db", condition: .serviceHealthy, restart: true)]),
            Fixtures.service("worker", dependsOn: [ServiceDependency(service: "db", restart: false)]))
        let actual = after(try planner.apply(stack, actual: .empty, nodes: node))
        let plan = try planner.restart(service: "db", of: stack, actual: actual)
        #expect(plan.steps.map(\.description) == [
            "stop demo-api-1 (restart)", "stop demo-db-1 (restart)",
            "start demo-db-1 on local",
            "await api waits for db: service_healthy",
            "start demo-api-1 on local",
        ])
    }

    @Test func aDependencyThatIsNotRequiredStillOrdersButDoesNotBlock() throws {
        let stack = Fixtures.stack(
            Fixtures.service("cache"),
            Fixtures.service("api", dependsOn: [ServiceDependency(service: "cache", condition: .serviceHealthy, required: false)]))
        let plan = try planner.apply(stack, actual: .empty, nodes: node)
        #expect(plan.starts == ["demo-cache-1", "demo-api-1"])
        #expect(plan.steps.contains(.await(Gate(service: "cache", condition: .serviceHealthy, required: false, dependent: "api"))))
    }
}
