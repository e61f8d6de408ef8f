/// One published (or exposed) port of a service, after ranges are expanded.
public struct PortMapping: Sendable, Hashable {
    public enum TransportProtocol: String, Sendable, Hashable, CaseIterable {
        case tcp, udp, sctp
    }

    public enum Mode: String, Sendable, Hashable, CaseIterable {
        case ingress, host
    }

    public var name: String?
    /// The port the workload listens on.
    public var target: Int
    /// The host port range; nil means the port is not published on the host.
    public var published: ClosedRange<Int>?
    /// The host address; nil means every address.
    public var hostIP: String?
    public var transport: TransportProtocol
    public var mode: Mode
    public var appProtocol: String?

    public init(
        name: String? = nil, target: Int, published: ClosedRange<Int>? = nil, hostIP: String? = nil,
        transport: TransportProtocol = .tcp, mode: Mode = .ingress, appProtocol: String? = nil
    ) {
        self.name = name
        self.target = target
        self.published = published
        self.hostIP = hostIP
        self.transport = transport
        self.mode = mode
        self.appProtocol = appProtocol
    }

    /// The published port in Compose's string form: "8080" or "8000-8010".
    public var publishedText: String? {
        guard let published else { return nil }
        return published.count == 1 ? "\(published.lowerBound)" : "\(published.lowerBound)-\(published.upperBound)"
    }
}
