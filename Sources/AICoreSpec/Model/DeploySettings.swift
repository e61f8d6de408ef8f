/// Compose `deploy`: replicas, resources, update and rollback settings.
public struct DeploySettings: Sendable, Hashable {
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        case replicated
        /// One instance per node; on one host, one instance.
        case global
    }

    /// How the service's name resolves (`endpoint_mode`): its VIP, or each ready replica's address.
    public enum EndpointMode: String, Sendable, Hashable, CaseIterable {
        case vip
        case dnsrr
    }

    public var mode: Mode
    public var endpointMode: EndpointMode = .vip
    public var replicas: Int
    public var limits: ResourceSettings
    public var reservations: ResourceSettings
    public var updateConfig: UpdateConfig?
    public var rollbackConfig: UpdateConfig?
    public var labels: [String: String]

    /// The pids limit applied when a stack sets none, so a fork bomb cannot exhaust the host.
    public static let defaultPidsLimit = 4096

    public init(
        mode: Mode = .replicated, replicas: Int = 1, limits: ResourceSettings = ResourceSettings(pids: defaultPidsLimit),
        reservations: ResourceSettings = ResourceSettings(), updateConfig: UpdateConfig? = nil,
        rollbackConfig: UpdateConfig? = nil, labels: [String: String] = [:]
    ) {
        self.mode = mode
        self.replicas = replicas
        self.limits = limits
        self.reservations = reservations
        self.updateConfig = updateConfig
        self.rollbackConfig = rollbackConfig
        self.labels = labels
    }
}
