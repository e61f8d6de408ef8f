/// What an agent does with the proxy process it connected to, decided from the proxy's first
/// control line (`ProxyHello`, or none from a proxy older than the handshake) and, for a proxy it
/// cannot drive, the open connections its pushed counters show.
///
/// The policy never cuts a connection to upgrade: a proxy this agent cannot drive is replaced
/// only while no connection runs through it; until then it serves on as it was, with the routes
/// and backends the previous agent gave it, and the agent sends it nothing.
public enum ProxyAdoption: Sendable, Hashable {
    /// Same protocol (or one this agent still speaks): send the routes and drive it.
    case drive
    /// Cannot be driven and carries no connection: stop it and start this build's proxy.
    case replace(reason: String)
    /// Cannot be driven but may carry connections: leave it serving, send nothing, and decide
    /// again when its counters move.
    case keep(reason: String)

    /// The proxy at the other end, as its first line describes it.
    public struct Peer: Sendable, Hashable {
        /// nil when the first line was not a message this build can read.
        public var protocolVersion: Int?
        /// nil for a proxy older than the handshake.
        public var version: String?
        public var pid: Int32?

        /// A proxy's first line: `hello`, or (protocol 1) a `stats` push; anything else is a
        /// protocol this build cannot read.
        public init(firstMessage: ProxyControlMessage?) {
            switch firstMessage {
            case let .hello(hello):
                self.init(protocolVersion: hello.protocolVersion, version: hello.version, pid: hello.pid)
            case .stats:
                self.init(protocolVersion: 1)
            default:
                self.init(protocolVersion: nil)
            }
        }

        public init(protocolVersion: Int?, version: String? = nil, pid: Int32? = nil) {
            self.protocolVersion = protocolVersion
            self.version = version
            self.pid = pid
        }

        public var description: String {
            let release = version.map { "aicore-node \($0)" } ?? "an aicore-node older than the version handshake"
            let speaks = protocolVersion.map { "control protocol \($0)" } ?? "a control protocol this agent cannot read"
            return "\(release), \(speaks)"
        }
    }

    /// - Parameter openConnections: the proxy's open connections, nil when unknown (its counters
    ///   not read yet, or in a form this build cannot read): unknown counts as some.
    public static func decide(_ peer: Peer, openConnections: Int?,
                              speaking current: Int = ProxyHello.protocolVersion,
                              oldest: Int = ProxyHello.oldestDrivenProtocol) -> ProxyAdoption {
        if let version = peer.protocolVersion, (oldest...current).contains(version) { return .drive }
        let why = "the proxy process runs \(peer.description); this agent speaks protocols \(oldest) to \(current)"
        guard openConnections == 0 else {
            let open = openConnections.map { "\($0) open connection(s)" } ?? "connections this agent cannot count"
            return .keep(reason: "\(why). It carries \(open), so it keeps serving its current routes, and no route or "
                + "backend change reaches it, until they close (then it is replaced) or it is stopped")
        }
        return .replace(reason: "\(why), and it carries no connection")
    }
}
