/// One service of a stack: how many instances it wants and how they are doing.
public struct ServiceStatus: Codable, Sendable, Equatable {
    public var stack: String
    public var name: String
    public var desired: Int
    public var running: Int
    public var ready: Int
    /// Exited with code 0 and not restarted (one-shot services such as migrations).
    public var completed: Int
    /// Failed for good (restart budget spent, or exited and not restarted).
    public var failed: Int
    public var pending: Int
    public var stopped: Int
    /// The service's VIP: other services reach it by name at this address.
    public var vip: String?
    /// Host ports the service is reachable on.
    public var ports: [String]
    /// Every wanted instance is ready, or completed when the service is a one-shot.
    public var converged: Bool
    public var specHash: String?
    /// The services it `depends_on` (which start before it and stop after it); nil from an
    /// agent that did not say.
    public var dependsOn: [String]?

    public init(stack: String, name: String, desired: Int, running: Int, ready: Int, completed: Int, failed: Int, pending: Int,
                stopped: Int, vip: String?, ports: [String], converged: Bool, specHash: String?, dependsOn: [String]? = nil) {
        self.stack = stack
        self.name = name
        self.desired = desired
        self.running = running
        self.ready = ready
        self.completed = completed
        self.failed = failed
        self.pending = pending
        self.stopped = stopped
        self.vip = vip
        self.ports = ports
        self.converged = converged
        self.specHash = specHash
        self.dependsOn = dependsOn
    }

    /// `services` in start order, each after what it depends on (file order otherwise); stop
    /// order is the reverse.
    public static func startOrder(_ services: [ServiceStatus]) -> [ServiceStatus] {
        let byName = Dictionary(services.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var ordered: [ServiceStatus] = []
        var placed: Set<String> = []
        var visiting: Set<String> = []
        func place(_ service: ServiceStatus) {
            guard !placed.contains(service.name), visiting.insert(service.name).inserted else { return }
            for dependency in service.dependsOn ?? [] {
                if let other = byName[dependency] { place(other) }
            }
            placed.insert(service.name)
            ordered.append(service)
        }
        services.forEach(place)
        return ordered
    }
}
