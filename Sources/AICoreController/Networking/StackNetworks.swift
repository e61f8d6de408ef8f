import AICoreNetwork
import AICoreSpec
import AICoreSupervisor

/// Which network each service of a stack is on, and which bridge networks the node must have
/// for it: a pure reading of the stack file, so that `up`, a restart, a re-adoption and `down`
/// agree on the names.
public struct StackNetworks: Sendable, Equatable {
    /// Where the instances of one service live.
    public enum Placement: Sendable, Equatable {
        /// The host's network namespace (`network_mode: host`, or the agent's default).
        case host
        /// A namespace of their own with only loopback.
        case none
        /// Bridge networks, joined in this order.
        case bridge([NetworkJoin])
        /// The namespace of another service's first instance (`network_mode: service:NAME`).
        case sharing(String)
    }

    /// Service → its placement.
    public var placements: [String: Placement] = [:]
    /// The bridge networks the stack's services use, with the services on each.
    public var requests: [NetworkRequest] = []

    /// What services whose file says nothing about networks get: `bridge` (Compose's default)
    /// or `host` (the agent's `networks.default_mode`).
    public enum DefaultMode: String, Sendable, CaseIterable {
        case bridge, host

        var networkMode: NetworkMode { self == .bridge ? .bridge : .host }
    }

    public static func of(_ stack: Stack, defaultMode: DefaultMode) -> StackNetworks {
        var result = StackNetworks()
        var members: [String: (definition: NetworkDefinition, services: [String])] = [:]
        for service in stack.services {
            switch service.networkMode ?? defaultMode.networkMode {
            case .none:
                result.placements[service.name] = Placement.none
            case .host:
                result.placements[service.name] = .host
            case let .service(other):
                result.placements[service.name] = .sharing(other)
            case .bridge:
                var joins: [NetworkJoin] = []
                for (index, attachment) in stack.networks(of: service, defaultMode: defaultMode.networkMode).enumerated() {
                    // The loader refuses a service network the stack does not declare.
                    guard let definition = stack.network(forKey: attachment.name) else { continue }
                    // The service-level `mac_address` (Compose's older key) is its first network's.
                    let mac = attachment.macBytes ?? (index == 0 ? service.macBytes : nil)
                    joins.append(NetworkJoin(network: definition.name, address: attachment.ipv4Address,
                                             interface: attachment.interfaceName, address6: attachment.ipv6AddressValue, mac: mac))
                    members[definition.name, default: (definition, [])].services.append(service.name)
                }
                result.placements[service.name] = .bridge(joins)
            }
        }
        result.requests = members.keys.sorted().compactMap { name in
            guard let (definition, services) = members[name] else { return nil }
            var request = NetworkRequest(name: name, stack: stack.name, subnet: definition.subnets.first, internal: definition.internal,
                                         external: definition.external, services: services.sorted())
            request.gateway = definition.ipam?.config.first?.gateway
            request.range = definition.ipam?.config.first?.ipRange
            if definition.enableIPv6 {
                let pool = definition.ipam?.ipv6Config.first
                request.ipv6 = IPv6Request(subnet: pool?.subnetValue, gateway: pool?.gatewayValue, range: pool?.ipRangeValue)
            }
            return request
        }
        return result
    }

    /// The networks that go with the stack (`down`): those it uses and does not declare
    /// `external`.
    public var owned: [String] { requests.filter { !$0.external }.map(\.name) }

    /// The network an instance of `service` is reached on by the proxy: its first.
    public func primaryNetwork(of service: String) -> String? {
        guard case let .bridge(joins)? = placements[service] else { return nil }
        return joins.first?.network
    }
}
