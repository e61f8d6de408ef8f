import AICoreErrors
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The agent's L4 proxy: `api:3000` and published host ports reach the ready replicas of
/// a replicated service, each listening on its own `127.0.0.1:$PORT`.
///
/// Each accepted client connection gets a backend (round-robin or least connections); the proxy
/// connects to it and splices bytes both ways with backpressure and half-close. A backend that
/// refuses or times out is skipped for the next one before anything reached the client.
///
/// A UDP route (`ProxyTransport.udp`) has no connections: each client address gets a session,
/// a connected UDP socket to one backend, ended after `sessionIdleTimeout` without a datagram
/// either way, when the backend refuses (ICMP port unreachable) or when it leaves the route.
/// Its counters call sessions connections (see `ServiceProxy+Datagrams.swift`).
///
/// State sits behind one lock that no I/O is done under; connections update their counters
/// through atomics. Everything else runs on the NIO event loops of `group`, and a client's
/// backend connection runs on the client's own event loop.
///
/// `group` is the proxy's own (`eventLoops` threads, one per core by default), not the
/// process's shared `MultiThreadedEventLoopGroup.singleton` that the REST API runs on: see
/// docs/performance.md, "Service proxy throughput and latency".
public final class ServiceProxy: Sendable {
    let group: any EventLoopGroup
    /// The group this proxy made, shut down by `shutdown()`; nil when it shares the singleton.
    private let ownGroup: MultiThreadedEventLoopGroup?
    let logger: Logger
    let connectTimeout: TimeAmount
    let idleTimeout: TimeAmount
    let maxConnectionsPerRoute: Int
    let maxConnectionsPerClient: Int
    let sessionIdleTimeout: TimeAmount
    let maxSessionsPerListener: Int
    let state = Mutex(State())

    struct RouteEntry {
        var pool: ProxyBackendPool
        var connect: ProxyConnect
        var transport: ProxyTransport
        let counters: ProxyRouteCounters
    }

    struct State {
        var routes: [String: RouteEntry] = [:]
        /// Which route each wanted listener serves; set before the listener binds.
        var bindings: [ProxyEndpoint: String] = [:]
        /// Bound listeners.
        var listeners: [ProxyEndpoint: ProxyListener] = [:]
        /// Open client connections, for `shutdown()`.
        var connections: [ObjectIdentifier: any Channel] = [:]
        /// Open UDP sessions, to end those of a backend that leaves its route, and at `shutdown()`.
        var sessions: [ObjectIdentifier: DatagramSessionEntry] = [:]
        /// Open connections per client address, over every route.
        var perClient: [String: Int] = [:]
        /// The last `apply` queued; the next one waits for it, so applies never interleave.
        var applyTail: Task<Void, Never>?
        var isShutdown = false
    }

    /// - Parameters:
    ///   - eventLoops: threads of the proxy's own event loop group, one per core when nil; 0 runs the proxy on the
    ///     process's shared `MultiThreadedEventLoopGroup.singleton` (the REST API's) instead.
    ///   - connectTimeout: how long a backend connect may take before the next backend is tried.
    ///   - idleTimeout: a connection with no traffic either way for this long is closed.
    ///   - maxConnectionsPerRoute: open client connections per route; beyond it new clients are closed at once.
    ///   - maxConnectionsPerClient: open connections from one client address, over every route;
    ///     beyond it that client's new connections are closed at once, so one client cannot take
    ///     a route's whole limit (or the backends' connections).
    ///   - sessionIdleTimeout: a UDP session with no datagram either way for this long ends (Docker's 90 s).
    ///   - maxSessionsPerListener: open UDP sessions per listener; datagrams of further clients are dropped.
    public init(eventLoops: Int? = nil, logger: Logger,
                connectTimeout: TimeAmount = .seconds(2), idleTimeout: TimeAmount = .seconds(300),
                maxConnectionsPerRoute: Int = 10_000, maxConnectionsPerClient: Int = 512,
                sessionIdleTimeout: TimeAmount = .seconds(90), maxSessionsPerListener: Int = 4096) {
        let eventLoops = eventLoops ?? System.coreCount
        if eventLoops > 0 {
            let own = MultiThreadedEventLoopGroup(numberOfThreads: eventLoops)
            ownGroup = own
            group = own
        } else {
            ownGroup = nil
            group = MultiThreadedEventLoopGroup.singleton
        }
        self.logger = logger
        self.connectTimeout = connectTimeout
        self.idleTimeout = idleTimeout
        self.maxConnectionsPerRoute = maxConnectionsPerRoute
        self.maxConnectionsPerClient = maxConnectionsPerClient
        self.sessionIdleTimeout = sessionIdleTimeout
        self.maxSessionsPerListener = maxSessionsPerListener
    }

    /// Makes the proxy serve exactly `routes`: binds listeners that are new, closes those gone
    /// (their open connections keep going until they end), and swaps backend sets atomically.
    /// A listener that cannot bind does not stop the others: the error lists every failure,
    /// e.g. `cannot listen on 0.0.0.0:3000: Address already in use`. A later `apply` retries
    /// listeners that failed. Concurrent calls run one after the other, in call order.
    public func apply(_ routes: [ProxyRoute]) async throws(AICoreError) {
        let task = state.withLock { state -> Task<AICoreError?, Never> in
            let previous = state.applyTail
            let task = Task { [self] in
                await previous?.value
                return await applyInTurn(routes)
            }
            state.applyTail = Task { _ = await task.value }
            return task
        }
        if let error = await task.value { throw error }
    }

    /// Replaces one route's backends (readiness changed). New connections use only `backends`;
    /// open connections to a removed backend keep going, while UDP sessions to it end at once
    /// (UDP has no close to wait for). Unknown route: ignored.
    public func setBackends(_ route: String, _ backends: [ProxyBackend]) {
        let retired = state.withLock { state -> [DatagramSessionEntry] in
            guard !state.isShutdown, state.routes[route] != nil else { return [] }
            state.routes[route]?.pool.replace(with: backends)
            return Self.retiredSessions(state)
        }
        for session in retired { session.end() }
    }

    /// Counters per route (sorted by name) and per backend, including removed backends that still
    /// have open connections.
    public func stats() -> [ProxyRouteStats] {
        state.withLock { state in
            state.routes.keys.sorted().compactMap { name in
                state.routes[name]?.pool.pruneDrained()
                guard let entry = state.routes[name] else { return nil }
                return entry.counters.snapshot(route: name, backends: entry.pool.stats())
            }
        }
    }

    /// Open connections (including connects in progress) of `route` to the backend with instance
    /// id `backend`, in rotation or removed. 0 when unknown: a caller waiting for a drain is done.
    public func activeConnections(route: String, backend: String) -> Int {
        state.withLock { state in
            guard let pool = state.routes[route]?.pool else { return 0 }
            return (pool.members + pool.draining)
                .filter { $0.backend.id == backend }
                .reduce(0) { $0 + $1.activeConnections }
        }
    }

    /// The addresses the proxy listens on now, sorted.
    public func listeningAddresses() -> [ProxyAddress] {
        Array(Set(state.withLock { $0.listeners.keys.map(\.address) })).sorted { ($0.host, $0.port) < ($1.host, $1.port) }
    }

    /// The socket descriptor of the listener on `address`, while it is bound (tests play a
    /// cloned process's copy of it).
    func listenerDescriptor(_ address: ProxyAddress, transport: ProxyTransport = .tcp) -> CInt? {
        state.withLock { $0.listeners[ProxyEndpoint(address, transport)]?.descriptor }
    }

    /// Closes every listener and open connection. Afterwards `apply` fails and `setBackends` is
    /// ignored.
    public func shutdown() async {
        let (listeners, connections, sessions) = state.withLock { state in
            state.isShutdown = true
            let taken = (Array(state.listeners.values), Array(state.connections.values), Array(state.sessions.values))
            state.listeners = [:]
            state.bindings = [:]
            return taken
        }
        for session in sessions { session.end() }
        for listener in listeners {
            await listener.close()
        }
        for channel in connections {
            channel.close(promise: nil)
        }
        for channel in connections {
            try? await channel.closeFuture.get()
        }
        if let ownGroup {
            do {
                try await ownGroup.shutdownGracefully()
            } catch {
                // Already shut down by an earlier call: nothing is left running.
                logger.debug("proxy event loops: \(error)")
            }
        }
        logger.debug("proxy shut down", metadata: ["listeners": "\(listeners.count)", "connections": "\(connections.count)"])
    }
}
