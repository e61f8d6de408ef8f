extension DNSServer {
    /// How a query to 127.0.0.11:53 in an instance's namespace reaches the resolver.
    public enum Binding: String, Sendable, Equatable {
        /// The resolver listens on 127.0.0.11 at ports the kernel picks, and a table of ours in
        /// the namespace (`ResolverRedirect`) DNATs 127.0.0.11:53 to them: port 53 is the
        /// workload's to bind (a Compose service that is a DNS server).
        case redirected
        /// The resolver binds 127.0.0.11:53 itself: a kernel without nftables' NAT. A workload
        /// cannot bind 0.0.0.0:53 in its namespace then (EADDRINUSE).
        case direct
    }

    /// Where the resolver listens in one instance's namespace.
    public struct Endpoint: Sendable, Equatable {
        public var binding: Binding
        public var udpPort: UInt16
        public var tcpPort: UInt16
    }
}
