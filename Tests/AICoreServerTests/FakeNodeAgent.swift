import AICoreAddresses
import AICoreController
import AICoreRuntime
import AICoreSpec
import AICoreSupervisor
import Synchronization

/// A `NodeAgent` that runs nothing and touches no host: it reports the capacity and users a
/// test gives it, answers for the instances a test says are live, and records what the
/// control plane asked of it.
final class FakeNodeAgent: NodeAgent {
    struct State {
        var capacity: NodeCapacity
        var users: [String: UserLookup]
        var live: [String: InstanceLiveStatus] = [:]
        var started: [String] = []
        var stopped: [String] = []
        var stoppedKeeping: [String] = []
        var released: [Bool] = []
        var createdVolumes: [VolumePlan] = []
        var statusQueries: [(instance: String, detail: Bool, stats: Bool)] = []
        /// The node's routes, for `hostRouteOverlaps`.
        var routes: [IPv4Network] = []
        /// The node's IPv6 routes, for `hostRouteOverlaps6`.
        var routes6: [IPv6Network] = []
        /// The networks made, by name: each has the subnet asked for, or the next 10.250.N.0/24.
        var networks: [String: NetworkLease] = [:]
    }

    let node = "local"
    private let state: Mutex<State>

    init(capacity: NodeCapacity, users: [String: UserLookup] = [:]) {
        state = Mutex(State(capacity: capacity, users: users))
    }

    var recorded: State { state.withLock { $0 } }

    func setLive(_ id: String, _ status: InstanceLiveStatus) {
        state.withLock { $0.live[id] = status }
    }

    func capacity() async throws -> NodeCapacity { state.withLock { $0.capacity } }

    func lookUpUsers(_ users: Set<String>) async -> [String: UserLookup] {
        state.withLock { state in
            Dictionary(uniqueKeysWithValues: users.map { ($0, state.users[$0] ?? .failed("no user \($0) on the fake node")) })
        }
    }

    func start(stack: Stack, service: Service, replica: Int, replicas: Int, network: InstanceNetwork) async throws {
        state.withLock { $0.started.append("\(stack.name)-\(service.name)-\(replica)") }
    }

    func stop(stack: String, instance: String, retainingPort: Bool) async throws {
        state.withLock { $0.stopped.append(instance) }
    }

    func wait(stack: String, instance: String,
              until verdict: @escaping @Sendable (InstanceSnapshot) -> GateVerdict) async -> GateVerdict? {
        nil
    }

    func stopKeeping(stack: String, service: String) async -> [String] {
        state.withLock { state in
            let ids = state.started.filter { $0.hasPrefix("\(stack)-\(service)-") }.sorted()
            state.stoppedKeeping += ids
            return ids
        }
    }

    func release(stoppingInstances: Bool) async {
        state.withLock { $0.released.append(stoppingInstances) }
    }

    func status(stack: String, instance: String, detail: Bool, stats: Bool) async -> InstanceLiveStatus? {
        state.withLock { state in
            state.statusQueries.append((instance, detail, stats))
            return state.live[instance]
        }
    }

    func exec(stack: String, instance: String, command: [String], options: ExecOptions, timeout: Duration,
              outputLimit: Int) async throws -> ExecOutcome? {
        nil
    }

    func logReader(instance: String) -> LogReader { LogReader(directory: "/nonexistent/\(instance)") }
    func previousLogs(stack: String) async throws -> [String] { [] }
    func previousLogReader(stack: String, instance: String) -> LogReader { LogReader(directory: "/nonexistent/\(instance)") }
    func removePreviousLogs(stack: String) async throws {}

    func volumeDirectories() async throws -> [VolumeDirectory] { [] }

    func createVolume(_ volume: VolumePlan) async throws {
        state.withLock { $0.createdVolumes.append(volume) }
    }

    func removeVolume(path: String) async throws -> UInt64 { 0 }

    func setRoutes(_ routes: [IPv4Network]) {
        state.withLock { $0.routes = routes }
    }

    func setRoutes6(_ routes: [IPv6Network]) {
        state.withLock { $0.routes6 = routes }
    }

    func ensureNetworks(_ requests: [NetworkRequest]) async throws -> [String: NetworkLease] {
        state.withLock { state in
            var made: [String: NetworkLease] = [:]
            for request in requests {
                let subnet = request.subnet
                    ?? IPv4Network(address: IPv4Address(0x0AFA_0000 + UInt32(state.networks.count) << 8), prefix: 24)
                let lease = state.networks[request.name]
                    ?? NetworkLease(name: request.name, bridge: "fake\(state.networks.count)", subnet: subnet,
                                    gateway: IPv4Address(subnet.first.value + 1), internal: request.internal)
                state.networks[request.name] = lease
                made[request.name] = lease
            }
            return made
        }
    }

    func networkLeases(_ names: [String]) async -> [String: NetworkLease] {
        state.withLock { state in state.networks.filter { names.contains($0.key) } }
    }

    func hostRouteOverlaps6(_ subnets: [IPv6Network]) async throws -> [IPv6Network: IPv6Network] {
        state.withLock { state in
            var overlaps: [IPv6Network: IPv6Network] = [:]
            for subnet in subnets {
                if let route = state.routes6.first(where: { $0.overlaps(subnet) }) { overlaps[subnet] = route }
            }
            return overlaps
        }
    }

    func hostRouteOverlaps(_ subnets: [IPv4Network]) async throws -> [IPv4Network: IPv4Network] {
        state.withLock { state in
            var overlaps: [IPv4Network: IPv4Network] = [:]
            for subnet in subnets {
                if let route = state.routes.first(where: { $0.overlaps(subnet) }) { overlaps[subnet] = route }
            }
            return overlaps
        }
    }
}
