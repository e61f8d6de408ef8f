import AICoreErrors
import AICoreSpec
import AICoreSupervisor

/// Turns desired state (a stack) and actual state (what the node runs) into an ordered plan.
/// Pure: no I/O, no clock; the Reconciler carries plans out.
///
/// - Services start in `depends_on` order; before a service's first new instance, the plan
///   awaits each dependency's gate (`service_started`, `service_healthy`,
///   `service_completed_successfully`).
/// - Services that left the stack stop first, dependents before their dependencies.
/// - Instances are `<stack>-<service>-<n>`: scale up takes the lowest free n, scale down stops
///   the highest n first. Numbers need not be 1…N (a rollout's surge takes free ones).
/// - A service whose spec hash changed (replicas aside) is rolled out (`.rollout`): the
///   `RolloutEngine` replaces its instances under the service's rollout policy.
/// - Named volumes are created once, before the first start, owned by the user of the first
///   service (in start order) that mounts them.
/// - Placement is the Scheduler's: an instance that does not fit is `pending` with its reason.
public struct ReconcilePlanner: Sendable {
    public var scheduler: Scheduler
    public var layout: SupervisorLayout

    public init(layout: SupervisorLayout, scheduler: Scheduler = Scheduler()) {
        self.layout = layout
        self.scheduler = scheduler
    }

    // MARK: apply

    /// The plan that makes the node run `stack`. `previous` is the stack last applied (for the
    /// order in which removed services stop); `nodes` the capacity to place new instances on.
    public func apply(_ stack: Stack, actual: ActualState, previous: Stack? = nil,
                      nodes: [NodeCapacity]) throws(AICoreError) -> ReconcilePlan {
        var steps: [ReconcileStep] = []
        let order = TaskSpecBuilder.startOrder(stack.services)
        let wanted = Set(stack.services.map(\.name))

        // 1. Services that left the stack: dependents first.
        let gone = Set(actual.instances.map(\.service)).union(actual.serviceHashes.keys).subtracting(wanted)
        for service in stopOrder(of: gone, previous: previous) {
            for instance in actual.instances(of: service).reversed() {
                steps.append(.stop(instance: instance.id, service: service, reason: .removed))
            }
            steps.append(.forgetService(service: service))
        }

        // 2. Named volumes, before anything mounts them.
        steps += try volumesToCreate(stack, order: order, actual: actual)

        // 3. Placement of every instance that needs room, in start order.
        var held: [String: [PlacementRequest]] = [:]
        var requests: [PlacementRequest] = []
        var work: [String: ServiceWork] = [:]
        for service in order {
            let item = ServiceWork(service, stack: stack.name, actual: actual)
            for instance in item.kept {
                held[instance.node, default: []].append(Scheduler.request(instance: instance.id, service: service))
            }
            requests += item.toPlace.map { Scheduler.request(instance: $0.id, service: service) }
            work[service.name] = item
        }
        let placements = scheduler.place(requests, on: nodes, running: held)

        // 4. Per service, in start order: scale down, gates, replacements and new instances.
        for service in order {
            guard let item = work[service.name] else { continue }
            var serviceSteps: [ReconcileStep] = []
            for instance in item.surplus {
                serviceSteps.append(.stop(instance: instance.id, service: service.name, reason: .scaledDown))
            }
            if item.rollout {
                // The engine records the service when the rollout ends (or rolls back).
                steps += gates(for: service, in: wanted) + [.rollout(service: service.name, specHash: item.hash, replicas: item.replicas)]
                continue
            }
            var placedAny = false
            var starts: [ReconcileStep] = []
            for slot in item.toPlace {
                let placement = placements[slot.id] ?? .pending(reason: "No node to run on")
                switch placement {
                case let .placed(node):
                    placedAny = true
                    starts.append(.start(instance: slot.id, service: service.name, replica: slot.replica, node: node))
                case let .pending(reason):
                    if slot.pendingReason != reason {
                        starts.append(.pending(instance: slot.id, service: service.name, replica: slot.replica, reason: reason))
                    }
                }
            }
            if placedAny {
                serviceSteps += gates(for: service, in: wanted)
            }
            serviceSteps += starts
            if !serviceSteps.isEmpty || actual.serviceHashes[service.name] != item.hash {
                serviceSteps.append(.recordService(service: service.name, specHash: item.hash, replicas: item.replicas))
            }
            steps += serviceSteps
        }
        return ReconcilePlan(stack: stack.name, steps: steps)
    }

    // MARK: down

    /// The plan that stops everything of a stack, dependents before their dependencies, and
    /// with `removeVolumes` (`down -v`) removes its named volumes.
    public func down(stack name: String, actual: ActualState, previous: Stack?, removeVolumes: Bool) -> ReconcilePlan {
        var steps: [ReconcileStep] = []
        let services = Set(actual.instances.map(\.service)).union(actual.serviceHashes.keys)
        for service in stopOrder(of: services, previous: previous) {
            for instance in actual.instances(of: service).reversed() {
                steps.append(.stop(instance: instance.id, service: service, reason: .down))
            }
            steps.append(.forgetService(service: service))
        }
        if removeVolumes {
            var paths = actual.volumes
            for volume in previous?.volumes ?? [] where !volume.external {
                let path = layout.volumeDirectory(stack: name, volume: volume.key)
                if !paths.contains(path) { continue }
                steps.append(.removeVolume(name: volume.key, path: path))
                paths.remove(path)
            }
            // Recorded as the stack's but not declared by it (or the stack is gone already):
            // the directory is `<stack>_<key>`.
            let prefix = SupervisorLayout.volumeName(stack: name, volume: "")
            for path in paths.sorted() {
                let directory = String(path.split(separator: "/").last ?? "")
                steps.append(.removeVolume(name: String(directory.dropFirst(directory.hasPrefix(prefix) ? prefix.count : 0)), path: path))
            }
        }
        return ReconcilePlan(stack: name, steps: steps)
    }

    // MARK: restart

    /// An operator restarts `service`: its dependents with `restart: true` on it (and theirs,
    /// transitively) stop first and start again after it, each behind its gates.
    public func restart(service name: String, of stack: Stack, actual: ActualState) throws(AICoreError) -> ReconcilePlan {
        guard stack.service(named: name) != nil else {
            throw AICoreError(code: .notFound, message: "stack \(stack.name) has no service \(name); `ps` lists its services")
        }
        var affected: Set<String> = [name]
        var grew = true
        while grew {
            grew = false
            for service in stack.services where !affected.contains(service.name) {
                if service.dependsOn.contains(where: { $0.restart && affected.contains($0.service) }) {
                    affected.insert(service.name)
                    grew = true
                }
            }
        }
        let order = TaskSpecBuilder.startOrder(stack.services).filter { affected.contains($0.name) }
        let wanted = Set(stack.services.map(\.name))
        var steps: [ReconcileStep] = []
        for service in order.reversed() {
            for instance in actual.instances(of: service.name).reversed() where !instance.isPending {
                steps.append(.stop(instance: instance.id, service: service.name, reason: .restart))
            }
        }
        for service in order {
            let running = actual.instances(of: service.name).filter { !$0.isPending }
            guard !running.isEmpty else { continue }
            if service.name != name { steps += gates(for: service, in: wanted) }
            for instance in running {
                steps.append(.start(instance: instance.id, service: service.name, replica: instance.replica, node: instance.node))
            }
        }
        return ReconcilePlan(stack: stack.name, steps: steps)
    }

    // MARK: parts

    /// `names` in stop order: dependents before dependencies as `previous` ordered them, and
    /// services it does not know first, in reverse name order.
    func stopOrder(of names: Set<String>, previous: Stack?) -> [String] {
        let known = previous.map { TaskSpecBuilder.startOrder($0.services).map(\.name).filter(names.contains) } ?? []
        let unknown = names.subtracting(known).sorted()
        return unknown.reversed() + known.reversed()
    }

    func gates(for service: Service, in wanted: Set<String>) -> [ReconcileStep] {
        service.dependsOn.filter { wanted.contains($0.service) }.map {
            .await(Gate(service: $0.service, condition: $0.condition, required: $0.required, dependent: service.name))
        }
    }

    func volumesToCreate(_ stack: Stack, order: [Service], actual: ActualState) throws(AICoreError) -> [ReconcileStep] {
        var steps: [ReconcileStep] = []
        var planned = actual.volumes
        for service in order {
            for mount in service.volumes where mount.kind == .volume {
                guard let key = mount.source else { continue }
                if stack.volumes.first(where: { $0.key == key })?.external == true { continue }
                let path = layout.volumeDirectory(stack: stack.name, volume: key)
                guard !planned.contains(path) else { continue }
                let owner: (uid: UInt32, gid: UInt32)
                switch service.user.map({ actual.users[$0] }) {
                case nil:
                    owner = (0, 0)
                case let .found(uid, gid)??:
                    owner = (uid, gid)
                case let .failed(reason)??:
                    throw AICoreError(code: .volume, message: "service \(service.name): cannot resolve user \(service.user ?? "root") to own volume \(key): \(reason)")
                case .some(nil):
                    throw AICoreError(code: .volume, message: "service \(service.name): user \(service.user ?? "root") was not looked up on the node to own volume \(key)")
                }
                let labels = stack.volumes.first { $0.key == key }?.labels ?? [:]
                steps.append(.createVolume(VolumePlan(name: key, path: path, uid: owner.uid, gid: owner.gid, labels: labels)))
                planned.insert(path)
            }
        }
        return steps
    }
}

/// What one service needs: which instances stay, which go, which need a place. A service
/// whose running instances are not all of its current spec is handed to a rollout instead.
struct ServiceWork {
    struct Slot {
        var id: String
        var replica: Int
        var pendingReason: String?
    }

    var hash: String
    var replicas: Int
    /// Some instances run another spec: the rollout engine replaces them (and scales).
    var rollout = false
    var kept: [ActualState.Instance] = []
    /// Highest replica first.
    var surplus: [ActualState.Instance] = []
    var toPlace: [Slot] = []

    init(_ service: Service, stack: String, actual: ActualState) {
        hash = ServiceSpecHash.of(service)
        replicas = service.deploy.mode == .global ? 1 : max(service.deploy.replicas, 0)
        let existing = actual.instances(of: service.name)
        let recorded = actual.serviceHashes[service.name]
        let placed = existing.filter { !$0.isPending }
        if placed.contains(where: { ($0.specHash ?? recorded) != hash }) {
            rollout = true
            kept = placed
            return
        }
        // Instances are interchangeable: the lowest numbers stay, the highest go first; the
        // missing ones take pending records first, then the lowest free numbers.
        kept = Array(placed.prefix(replicas))
        surplus = placed.dropFirst(replicas).reversed()
        var missing = replicas - kept.count
        let pending = existing.filter(\.isPending)
        for instance in pending {
            if missing > 0 {
                toPlace.append(Slot(id: instance.id, replica: instance.replica, pendingReason: instance.pendingReason))
                missing -= 1
            } else {
                surplus.append(instance)
            }
        }
        var used = Set(existing.map(\.replica))
        var next = 1
        while missing > 0 {
            while used.contains(next) { next += 1 }
            used.insert(next)
            toPlace.append(Slot(id: "\(stack)-\(service.name)-\(next)", replica: next))
            missing -= 1
        }
    }
}
