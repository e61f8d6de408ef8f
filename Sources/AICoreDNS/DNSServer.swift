import AICoreErrors
import AICoreNetwork
import Logging
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The embedded resolver: answers every instance at 127.0.0.11:53 inside its own network
/// namespace, from the records of the networks it is attached to, and forwards the rest.
///
/// The sockets are made inside the instance's namespace and then served from the agent's event
/// loops. As Docker's, they listen on 127.0.0.11 at ports the kernel picks, and a DNAT in that
/// namespace (`ResolverRedirect`) sends 127.0.0.11:53 to them, so a workload can bind port 53
/// itself; a kernel without nftables' NAT gets 127.0.0.11:53 bound directly (`Binding`). The records, each instance's scope and the round-robin
/// counter sit in one `Mutex`-protected value that handlers read without awaiting anything: an
/// actor hop per query would put the cooperative pool on the event loop's path, while the lock is
/// held only to copy out the current snapshot (copy-on-write dictionaries: a retain) or to
/// replace it. An update therefore shows in the very next query, and nothing is cached.
public final class DNSServer: Sendable {
    struct Scope {
        var networks: [String]
        /// The service's own `dns:` servers, in place of the host's.
        var upstreams: [DNSUpstream]?
    }

    struct Served {
        var udp: any Channel
        var tcp: any Channel
        var endpoint: Endpoint
    }

    struct State {
        var records = DNSRecordSet()
        var upstreams: [DNSUpstream]
        var scopes: [String: Scope] = [:]
        var served: [String: Served] = [:]
        var rotation = 0
    }

    static let tcpIdleTimeout = TimeAmount.seconds(30)

    private let group: any EventLoopGroup
    private let forwarder: DNSForwarder
    private let maximumForwards: Int
    /// Forwarded queries waiting for an upstream: each holds a socket of the agent's.
    private let forwardsInFlight = Atomic<Int>(0)
    private let logger: Logger
    private let binding: Binding
    /// The fallback to `.direct` is logged once, not once per instance.
    private let reportedFallback = Atomic<Bool>(false)
    private let state: Mutex<State>
    public let counters = DNSCounters()

    /// - Parameters:
    ///   - group: the agent's event loops, whose threads are in the host's network namespace.
    ///   - upstreams: where names that are not ours go (the host's resolv.conf: `DNSUpstream.from`).
    ///   - upstreamTimeout: how long each upstream gets before the next is tried.
    ///   - maximumForwards: how many forwarded queries may wait on upstreams at once, for all
    ///     instances together (Docker's limit); beyond it a query gets SERVFAIL at once, so an
    ///     instance flooding us with outside names cannot use up the agent's descriptors.
    ///   - binding: `.redirected` unless the kernel cannot (then each instance falls back to
    ///     `.direct`, logged once); `.direct` always binds 127.0.0.11:53.
    public init(group: any EventLoopGroup, upstreams: [DNSUpstream], upstreamTimeout: TimeAmount = .seconds(2),
                maximumForwards: Int = 1024, binding: Binding = .redirected, logger: Logger) {
        self.group = group
        self.binding = binding
        self.forwarder = DNSForwarder(timeout: upstreamTimeout)
        self.maximumForwards = maximumForwards
        self.logger = logger
        self.state = Mutex(State(upstreams: upstreams))
    }

    /// The records every query is answered from, replaced whole.
    public var records: DNSRecordSet {
        get { state.withLock { $0.records } }
        set { state.withLock { $0.records = newValue } }
    }

    /// Changes the records in place (one network, one name): the next query sees the change.
    public func updateRecords(_ change: (inout DNSRecordSet) -> Void) {
        state.withLock { change(&$0.records) }
    }

    /// Replaces the host's upstreams (resolv.conf changed).
    public func setUpstreams(_ upstreams: [DNSUpstream]) {
        state.withLock { $0.upstreams = upstreams }
    }

    /// Changes which networks `instance` sees names of (connected to or disconnected from one).
    public func setNetworks(_ networks: [String], of instance: String) {
        state.withLock { $0.scopes[instance]?.networks = networks }
    }

    /// Starts answering `instance` at 127.0.0.11:53, UDP and TCP, inside the network namespace
    /// `namespace` (an open `/proc/<pid>/ns/net`), for the names of `networks`.
    /// `upstreams`, when given (a service's `dns:`), replace the host's for this instance.
    /// Serving an instance already served starts over (an agent re-adopting it): new ports, and
    /// the namespace's redirect replaced in one transaction.
    public func serve(instance: String, namespace: Int32, networks: [String], upstreams: [DNSUpstream]? = nil) async throws(AICoreError) {
        await stopServing(instance: instance)
        let preferred = binding
        let (sockets, fallback) = try await NetworkNamespace.run(in: namespace) { () throws(AICoreError) -> (DNSSockets, AICoreError?) in
            guard preferred == .redirected else { return (try DNSSockets.bind(port: DNSSockets.port), nil) }
            let sockets = try DNSSockets.bind(port: 0)
            do throws(AICoreError) {
                try ResolverRedirect.install(address: ResolvConf.resolverAddress, udpPort: sockets.udpPort, tcpPort: sockets.tcpPort)
                return (sockets, nil)
            } catch {
                sockets.close()
                return (try DNSSockets.bind(port: DNSSockets.port), error)
            }
        }
        if let fallback, !reportedFallback.exchange(true, ordering: .relaxed) {
            logger.warning(
                "cannot redirect 127.0.0.11:53 in instances' namespaces (\(fallback.message)); the resolver binds 127.0.0.11:53 itself, so a workload on a bridge network cannot bind port 53 (the kernel needs nftables NAT: nft_chain_nat, nft_nat)",
                metadata: ["instance": "\(instance)"])
        }
        let endpoint = Endpoint(binding: fallback == nil ? preferred : .direct, udpPort: sockets.udpPort, tcpPort: sockets.tcpPort)
        state.withLock { $0.scopes[instance] = Scope(networks: networks, upstreams: upstreams) }
        let udp: any Channel
        do {
            udp = try await DatagramBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(DNSDatagramHandler(server: self, instance: instance))
                    }
                }
                .withBoundSocket(sockets.udp)
                .get()
        } catch {
            close(sockets.tcp)
            state.withLock { _ = $0.scopes.removeValue(forKey: instance) }
            throw AICoreError(.systemCall, "cannot serve DNS over UDP to \(instance): \(error)", cause: error)
        }
        let tcp: any Channel
        do {
            tcp = try await ServerBootstrap(group: group)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // An idle connection is closed (RFC 7766 6.2.3): an instance cannot
                        // hold the agent's descriptors open by connecting and saying nothing.
                        try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: Self.tcpIdleTimeout))
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSStreamFrameDecoder()))
                        try channel.pipeline.syncOperations.addHandler(DNSStreamHandler(server: self, instance: instance))
                    }
                }
                .withBoundSocket(sockets.tcp)
                .get()
        } catch {
            try? await udp.close()
            state.withLock { _ = $0.scopes.removeValue(forKey: instance) }
            throw AICoreError(.systemCall, "cannot serve DNS over TCP to \(instance): \(error)", cause: error)
        }
        let replaced = state.withLock { $0.served.updateValue(Served(udp: udp, tcp: tcp, endpoint: endpoint), forKey: instance) }
        // Two serves of one instance at once: the later one's sockets win, the other's close.
        if let replaced {
            replaced.udp.close(promise: nil)
            replaced.tcp.close(promise: nil)
        }
    }

    /// Stops answering `instance` and closes its sockets (127.0.0.11:53 in its namespace then
    /// answers nothing; the redirect stays until it is served again or the namespace ends).
    /// Nothing happens for an instance not served.
    public func stopServing(instance: String) async {
        let served = state.withLock { state -> Served? in
            state.scopes[instance] = nil
            return state.served.removeValue(forKey: instance)
        }
        guard let served else { return }
        // Closing a listener leaves its accepted connections: they end with their clients.
        try? await served.udp.close()
        try? await served.tcp.close()
    }

    /// Stops answering every instance (the agent shutting down).
    public func stopAll() async {
        for instance in state.withLock({ Array($0.served.keys) }) {
            await stopServing(instance: instance)
        }
    }

    /// Where `instance` is served, or nil when it is not.
    public func endpoint(of instance: String) -> Endpoint? {
        state.withLock { $0.served[instance]?.endpoint }
    }

    /// The instances being served.
    public var servedInstances: Set<String> {
        state.withLock { Set($0.served.keys) }
    }

    /// The answer to `query` from `instance`, or nil to send nothing. Over UDP it fits the
    /// client's size (TC set when it does not); a forwarded query goes over the transport it
    /// came by.
    func respond(to query: [UInt8], from instance: String, overTCP: Bool, on loop: any EventLoop) -> EventLoopFuture<[UInt8]?> {
        let (records, scope, hostUpstreams, rotation) = state.withLock { state in
            state.rotation &+= 1
            return (state.records, state.scopes[instance], state.upstreams, state.rotation)
        }
        guard let scope else { return loop.makeSucceededFuture(nil) }
        let decoded = try? DNSMessage(decoding: query)
        let limit = overTCP ? Int(UInt16.max) : DNSResolver.udpLimit(of: decoded)
        switch DNSResolver.decide(query, records: records, networks: scope.networks, rotation: rotation & Int.max) {
        case .drop:
            counters.countDropped()
            return loop.makeSucceededFuture(nil)
        case .answer(let response):
            counters.countAnswered()
            return loop.makeSucceededFuture(response.fitted(toUDP: limit))
        case .forward:
            guard let decoded else { return loop.makeSucceededFuture(nil) }
            let counters = self.counters
            let logger = self.logger
            let upstreams = scope.upstreams ?? hostUpstreams
            guard forwardsInFlight.add(1, ordering: .relaxed).newValue <= maximumForwards else {
                forwardsInFlight.subtract(1, ordering: .relaxed)
                counters.countFailed()
                return loop.makeSucceededFuture(DNSResolver.reply(to: decoded, code: .serverFailure).encoded())
            }
            return forwarder.forward(query, overTCP: overTCP, to: upstreams, on: loop).map { answer in
                self.forwardsInFlight.subtract(1, ordering: .relaxed)
                guard let answer else {
                    counters.countFailed()
                    logger.debug("no upstream answered", metadata: ["instance": "\(instance)", "upstreams": "\(upstreams)"])
                    return DNSResolver.reply(to: decoded, code: .serverFailure).encoded()
                }
                counters.countForwarded()
                guard answer.count > limit else { return answer }
                var truncated = DNSResolver.reply(to: decoded, code: .noError)
                truncated.isTruncated = true
                return truncated.encoded()
            }
        }
    }
}
