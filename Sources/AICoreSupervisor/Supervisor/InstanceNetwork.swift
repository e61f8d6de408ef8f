import AICoreRuntime

/// The host-network view an instance gets (DESIGN "Networking"): its service's VIP as
/// `AICORE_SERVICE_IP`, and every service name of the stack mapped to its VIP in /etc/hosts.
public struct InstanceNetwork: Sendable, Hashable {
    /// The instance's own service VIP, dotted quad.
    public var serviceIP: String?
    /// Service name → VIP, written to the instance's /etc/hosts.
    public var hosts: [String: String]

    public init(serviceIP: String? = nil, hosts: [String: String] = [:]) {
        self.serviceIP = serviceIP
        self.hosts = hosts
    }

    public static let serviceIPVariable = "AICORE_SERVICE_IP"

    func apply(to spec: inout TaskSpec) {
        if let serviceIP {
            spec.environment.removeAll { $0.hasPrefix(Self.serviceIPVariable + "=") }
            spec.environment.append("\(Self.serviceIPVariable)=\(serviceIP)")
        }
        let named = Set(spec.extraHosts.map(\.name))
        // `extra_hosts` written in the stack win over the generated names.
        for (name, address) in hosts.sorted(by: { $0.key < $1.key }) where !named.contains(name) {
            spec.extraHosts.append(TaskSpec.HostEntry(name: name, address: address))
        }
    }
}
