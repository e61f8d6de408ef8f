/// Compose `network_mode`, as far as a host without bridges can honour it.
public enum NetworkMode: String, Sendable, Hashable {
    /// The host's network namespace (the default for now).
    case host
    /// A private network namespace with loopback only.
    case none
}
