import AICoreErrors
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// UDP routes. A UDP listener keeps a session per client address (`ProxyDatagramSession`):
/// a connected socket to one backend, which carries the client's datagrams there and the
/// backend's replies back, out of the listener's socket to the client's address.
///
/// The route's counters call a session a connection: `totalConnections` counts the sessions
/// begun, `activeConnections` those open, `rejectedConnections` the datagrams dropped because
/// the listener was at `maxSessionsPerListener`, and `failedConnections` those dropped for want
/// of a backend. A backend's `connectErrors` counts its refusals (ICMP port unreachable).
extension ServiceProxy {
    /// One open UDP session, as the proxy's state knows it.
    struct DatagramSessionEntry: Sendable {
        var route: String
        var backend: ProxyBackend
        /// Ends the session, on its event loop; a session already ended ignores it.
        var end: @Sendable () -> Void
    }

    /// The sessions whose backend is no longer in its route's rotation (or whose route is gone):
    /// they end at once, there being no close for a drain to wait for.
    static func retiredSessions(_ state: State) -> [DatagramSessionEntry] {
        state.sessions.values.filter { session in
            guard let pool = state.routes[session.route]?.pool else { return true }
            return !pool.members.contains { $0.backend == session.backend }
        }
    }

    /// A new session for a client of the UDP listener on `endpoint` that has `open` sessions:
    /// picks its backend and counts it, or counts the datagram dropped and returns false.
    /// `make` builds the session under the proxy's lock (no I/O), so it is registered before a
    /// concurrent `setBackends` could miss it.
    func admitSession(on endpoint: ProxyEndpoint, open: Int,
                      make: (_ name: String, _ route: ProxyRouteCounters, _ backend: ProxyBackendCounters)
                          -> (ObjectIdentifier, DatagramSessionEntry)) -> Bool {
        state.withLock { state in
            guard !state.isShutdown, let route = state.bindings[endpoint], let counters = state.routes[route]?.counters else {
                return false
            }
            counters.total.wrappingAdd(1, ordering: .relaxed)
            if open >= maxSessionsPerListener {
                counters.rejected.wrappingAdd(1, ordering: .relaxed)
                return false
            }
            guard let backend = state.routes[route]?.pool.pick() else {
                counters.failed.wrappingAdd(1, ordering: .relaxed)
                return false
            }
            counters.active.wrappingAdd(1, ordering: .relaxed)
            let (id, entry) = make(route, counters, backend)
            state.sessions[id] = entry
            return true
        }
    }

    /// Forgets an ended session.
    func forgetSession(_ id: ObjectIdentifier) {
        _ = state.withLock { $0.sessions.removeValue(forKey: id) }
    }

    /// Binds one UDP listener, without SO_REUSEADDR: on UDP it would let a second socket share
    /// the port, and the clash would go unnoticed. Datagrams go to `route`, looked up for each
    /// new session.
    func bindDatagrams(_ address: ProxyAddress, route: String) async -> Result<ProxyListener, ProxyFailure> {
        let endpoint = ProxyEndpoint(address, .udp)
        func failure(_ text: String, _ cause: any Error) -> Result<ProxyListener, ProxyFailure> {
            .failure(.init(route: route, address: address, message: "cannot listen on \(endpoint): \(text)", cause: cause))
        }
        let socketAddress: SocketAddress
        do {
            socketAddress = try SocketAddress(ipAddress: address.host, port: address.port)
        } catch {
            return failure("\(address.host) is not an IP address", error)
        }
        guard let bootstrap = DatagramBootstrap(validatingGroup: group) else {
            let error = AICoreError(code: .unsupportedEventLoopGroup, message: "the event loop group is not a NIOPosix one")
            return failure(error.message, error)
        }
        let descriptor: CInt
        do {
            descriptor = try Self.boundSocket(socketAddress, type: SOCK_DGRAM, reuseAddress: false)
        } catch {
            return failure(String(cString: strerror(error.errnoCode)), error)
        }
        do {
            // NIO owns the descriptor from here on, and closes it if this fails.
            let channel = try await bootstrap
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.maxDatagram))
                .channelInitializer { [self] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ProxyDatagramListenerHandler(proxy: self, endpoint: endpoint))
                    }
                }
                .withBoundSocket(descriptor)
                .get()
            return .success(ProxyListener(channel: channel, descriptor: descriptor))
        } catch let error as IOError {
            return failure(String(cString: strerror(error.errnoCode)), error)
        } catch {
            return failure("\(error)", error)
        }
    }

    /// The largest UDP payload over IPv4 (65535 less the IP and UDP headers): a read buffer of
    /// NIO's default 2048 bytes would cut an EDNS answer short.
    static let maxDatagram = 65_507
}
