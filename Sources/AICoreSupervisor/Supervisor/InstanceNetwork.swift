import AICoreAddresses
import AICoreRuntime

/// The network an instance gets. On the host's network (DESIGN "Networking", host mode): its
/// service's VIP as `AICORE_SERVICE_IP`, and every service name of the stack mapped to its VIP
/// in /etc/hosts. On bridge networks: the networks it joins (`joins`, from the controller),
/// which the node turns into links and addresses (`attachments`, `addresses`) before it starts.
public struct InstanceNetwork: Sendable, Equatable {
    /// The instance's own service VIP, dotted quad (host mode).
    public var serviceIP: String?
    /// Name → address, written to the instance's /etc/hosts.
    public var hosts: [String: String]
    /// The bridge networks to join, in order (empty: the host's network, or none).
    public var joins: [NetworkJoin]
    /// The service whose first instance's namespace this one joins (`network_mode: service:`).
    public var sharing: String?
    /// That instance's id: the runtime finds its namespace at each start, and the supervisor
    /// starts this one again when that instance's process (and with it the namespace) is new.
    public var sharedInstance: String?
    /// The links the node made for `joins`.
    public var attachments: [TaskSpec.BridgeAttachment] = []
    /// Network name → the instance's address on it.
    public var addresses: [String: IPv4Address] = [:]
    /// Network name → its IPv6 address on it (IPv6 networks only).
    public var addresses6: [String: IPv6Address] = [:]
    /// Its /etc/resolv.conf (the agent's resolver at 127.0.0.11), on bridge networks.
    public var resolvConf: String?

    public init(serviceIP: String? = nil, hosts: [String: String] = [:], joins: [NetworkJoin] = []) {
        self.serviceIP = serviceIP
        self.hosts = hosts
        self.joins = joins
    }

    public static let serviceIPVariable = "AICORE_SERVICE_IP"

    /// On bridge networks: each replica has its own address, so every replica listens on the
    /// service's own port (no loopback port of its own).
    public var isBridged: Bool { !joins.isEmpty }

    func apply(to spec: inout TaskSpec) {
        if let serviceIP {
            spec.environment.removeAll { $0.hasPrefix(Self.serviceIPVariable + "=") }
            spec.environment.append("\(Self.serviceIPVariable)=\(serviceIP)")
        }
        if !attachments.isEmpty { spec.network = .bridge(attachments) }
        if let sharedInstance { spec.network = .joining(instance: sharedInstance) }
        if let resolvConf { spec.resolvConf = resolvConf }
        let named = Set(spec.extraHosts.map(\.name))
        // `extra_hosts` written in the stack win over the generated names.
        for (name, address) in hosts.sorted(by: { $0.key < $1.key }) where !named.contains(name) {
            spec.extraHosts.append(TaskSpec.HostEntry(name: name, address: address))
        }
    }
}
