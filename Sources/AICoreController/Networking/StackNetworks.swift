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
    }

    /// Service → its placement.
    public var placements: [String: Placement] = [:]
    /// The bridge networks the stack's services use, with the services on each.
    public var requests: [NetworkRequest] = []

    /// The network a stack's services share when the file names none (Compose's `default`).
    public static func defaultNetworkName(stack: String) -> String { "\(stack)_default" }

    /// What services whose file says nothing about networks get: `bridge` (Compose's default)
    /// or `host` (the agent's `networks.default_mode`).
    public enum DefaultMode: String, Sendable, CaseIterable {
        case bridge, host
    }

    public static func of(_ stack: Stack, defaultMode: DefaultMode) -> StackNetworks {
        var result = StackNetworks()
        var members: [String: [String]] = [:]
        for service in stack.services {
            switch service.networkMode {
            case .none:
                result.placements[service.name] = Placement.none
            case .host:
                guard defaultMode == .bridge else {
                    result.placements[service.name] = .host
                    continue
                }
                let name = defaultNetworkName(stack: stack.name)
                result.placements[service.name] = .bridge([NetworkJoin(network: name)])
                members[name, default: []].append(service.name)
            }
        }
        result.requests = members.keys.sorted().map { name in
            NetworkRequest(name: name, services: (members[name] ?? []).sorted())
        }
        return result
    }

    /// The networks that go with the stack (`down`): every one it uses.
    public var owned: [String] { requests.map(\.name) }

    /// The network an instance of `service` is reached on by the proxy: its first.
    public func primaryNetwork(of service: String) -> String? {
        guard case let .bridge(joins)? = placements[service] else { return nil }
        return joins.first?.network
    }
}
