import AICoreSpec

/// Decides where instances run, from their reservations and the nodes' capacity. Pure and
/// deterministic: the same inputs always give the same placements. Placement lives here and
/// only here, so several nodes later change this type, not the Reconciler.
public struct Scheduler: Sendable {
    public init() {}

    /// Places `requests`, in order, over `nodes`. `running` are reservations already held
    /// (instances that stay as they are), keyed by node. A request goes to the node that fits it
    /// with the most CPU left (spread), ties broken by node order; one that fits nowhere is
    /// pending with the reason from the node that came closest (the first, on one node).
    public func place(_ requests: [PlacementRequest], on nodes: [NodeCapacity],
                      running: [String: [PlacementRequest]] = [:]) -> [String: Placement] {
        var free: [(node: String, cpus: Double, memory: UInt64)] = nodes.map { node in
            let held = running[node.node] ?? []
            let cpus = held.reduce(0) { $0 + $1.cpus }
            let memory = held.reduce(UInt64(0)) { $0 + $1.memoryBytes }
            return (node.node, node.cpus - cpus, node.memoryBytes > memory ? node.memoryBytes - memory : 0)
        }
        var placements: [String: Placement] = [:]
        for request in requests {
            let fitting = free.indices.filter { Self.fits(request, cpus: free[$0].cpus, memory: free[$0].memory) }
            guard let best = fitting.max(by: { free[$0].cpus < free[$1].cpus || (free[$0].cpus == free[$1].cpus && $0 > $1) }) else {
                placements[request.instance] = .pending(reason: reason(request, free))
                continue
            }
            free[best].cpus -= request.cpus
            free[best].memory -= request.memoryBytes
            placements[request.instance] = .placed(node: free[best].node)
        }
        return placements
    }

    /// What an instance of `service` reserves.
    public static func request(instance: String, service: Service) -> PlacementRequest {
        let reservations = service.deploy.reservations
        return PlacementRequest(instance: instance, service: service.name, cpus: reservations.cpus ?? 0,
                                memoryBytes: reservations.memory?.bytes ?? 0)
    }

    /// A little slack against floating-point sums (0.1 + 0.2 fits in 0.3).
    private static let epsilon = 1e-9

    static func fits(_ request: PlacementRequest, cpus: Double, memory: UInt64) -> Bool {
        request.cpus <= cpus + epsilon && request.memoryBytes <= memory
    }

    private func reason(_ request: PlacementRequest, _ free: [(node: String, cpus: Double, memory: UInt64)]) -> String {
        guard !free.isEmpty else { return "No node to run on" }
        let reasons = free.map { node -> String in
            var parts: [String] = []
            if request.cpus > node.cpus + Self.epsilon {
                parts.append("Insufficient cpu: requested \(Self.cpuText(request.cpus)), \(Self.cpuText(max(node.cpus, 0))) free")
            }
            if request.memoryBytes > node.memory {
                parts.append("Insufficient memory: requested \(ByteSize(bytes: request.memoryBytes)), \(ByteSize(bytes: node.memory)) free")
            }
            return parts.joined(separator: "; ")
        }
        if free.count == 1 { return reasons[0] }
        return "0/\(free.count) nodes are available: " + zip(free, reasons).map { "\($0.node): \($1)" }.joined(separator: ", ")
    }

    /// CPUs as people write them: `2`, `0.5`, `0.25` (at most three decimals).
    static func cpuText(_ value: Double) -> String {
        let milli = (value * 1000).rounded()
        if milli.truncatingRemainder(dividingBy: 1000) == 0 { return String(Int(milli / 1000)) }
        var text = String(Int(milli) / 1000) + "." + String(String(Int(milli) % 1000 + 1000).dropFirst())
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}
