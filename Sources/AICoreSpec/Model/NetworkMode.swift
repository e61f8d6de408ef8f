/// Compose `network_mode`: which network namespace an instance runs in.
public enum NetworkMode: Sendable, Hashable {
    /// A namespace of its own, attached to the service's bridge networks (its `networks`, or the
    /// stack's `default` network when it names none).
    case bridge
    /// The host's network namespace.
    case host
    /// A namespace of its own with loopback only.
    case none
    /// The namespace of that service's first instance (`service:NAME`), a service of the same stack.
    case service(String)

    /// `bridge`, `host`, `none` or `service:NAME`; nil for anything else (`container:…` included).
    public init?(composeText text: String) {
        switch text {
        case "bridge": self = .bridge
        case "host": self = .host
        case "none": self = .none
        default:
            guard text.hasPrefix("service:"), text.count > "service:".count else { return nil }
            self = .service(String(text.dropFirst("service:".count)))
        }
    }

    /// How a stack file writes it.
    public var composeText: String {
        switch self {
        case .bridge: "bridge"
        case .host: "host"
        case .none: "none"
        case .service(let name): "service:\(name)"
        }
    }
}
