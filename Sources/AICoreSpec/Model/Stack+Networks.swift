/// The networks a service ends up on, with Compose's implicit `default` network filled in.
extension Stack {
    /// The key of the network a bridge service joins when it names none.
    public static let defaultNetworkKey = "default"

    /// The stack's `default` network: as the top-level `networks: default:` customizes it, else
    /// a bridge named `<project>_default`.
    public var defaultNetwork: NetworkDefinition {
        networks.first { $0.key == Self.defaultNetworkKey }
            ?? NetworkDefinition(key: Self.defaultNetworkKey, name: "\(name)_\(Self.defaultNetworkKey)")
    }

    public var defaultNetworkName: String { defaultNetwork.name }

    /// The definition behind a service network's key, the implicit `default` included.
    public func network(forKey key: String) -> NetworkDefinition? {
        if let declared = networks.first(where: { $0.key == key }) { return declared }
        return key == Self.defaultNetworkKey ? defaultNetwork : nil
    }

    /// The networks `service` is attached to, in attachment order, when services that write no
    /// `network_mode` get `defaultMode`: none unless the service ends up on bridge, and the
    /// `default` network when it names none.
    public func networks(of service: Service, defaultMode: NetworkMode) -> [ServiceNetwork] {
        guard (service.networkMode ?? defaultMode) == .bridge else { return [] }
        return service.networks.isEmpty ? [ServiceNetwork(name: Self.defaultNetworkKey)] : service.networks
    }
}
