import AICoreErrors
import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

extension ServiceProxy {
    /// One `apply`, run after every earlier one finished.
    func applyInTurn(_ routes: [ProxyRoute]) async -> AICoreError? {
        var failures: [ProxyFailure] = []

        // Check the routes: one name per route, one route per address and transport.
        var accepted: [ProxyRoute] = []
        var wanted: [ProxyEndpoint: String] = [:]
        var names = Set<String>()
        for route in routes {
            guard names.insert(route.name).inserted else {
                failures.append(.init(route: route.name, address: nil, message: "route \(route.name) is given twice; the first one is used"))
                continue
            }
            var kept = route
            kept.listeners = []
            for address in route.listeners {
                let endpoint = ProxyEndpoint(address, route.transport)
                if let owner = wanted[endpoint] {
                    if owner != route.name {
                        failures.append(.init(route: route.name, address: address,
                                              message: "cannot listen on \(endpoint) for \(route.name): route \(owner) already listens there"))
                    }
                    continue
                }
                wanted[endpoint] = route.name
                kept.listeners.append(address)
            }
            accepted.append(kept)
        }

        // Swap routes and backends at once; find listeners to close and to open.
        let plan = state.withLock { state -> (close: [(ProxyEndpoint, ProxyListener)], open: [ProxyEndpoint],
                                              retired: [DatagramSessionEntry])? in
            guard !state.isShutdown else { return nil }
            var routes: [String: RouteEntry] = [:]
            for route in accepted {
                if var entry = state.routes[route.name] {
                    entry.pool.balance = route.balance
                    entry.connect = route.connect
                    entry.transport = route.transport
                    entry.pool.replace(with: route.backends)
                    routes[route.name] = entry
                } else {
                    routes[route.name] = RouteEntry(pool: ProxyBackendPool(balance: route.balance, backends: route.backends),
                                                    connect: route.connect, transport: route.transport,
                                                    counters: ProxyRouteCounters())
                }
            }
            state.routes = routes
            state.bindings = wanted
            var close: [(ProxyEndpoint, ProxyListener)] = []
            for (endpoint, listener) in state.listeners where wanted[endpoint] == nil {
                close.append((endpoint, listener))
            }
            for (endpoint, _) in close { state.listeners[endpoint] = nil }
            let open = accepted.flatMap { route in route.listeners.map { ProxyEndpoint($0, route.transport) } }
                .filter { state.listeners[$0] == nil }
            return (close, open, Self.retiredSessions(state))
        }
        guard let plan else {
            return AICoreError(code: .shutDown, message: "the proxy is shut down; it cannot apply routes")
        }

        for session in plan.retired { session.end() }

        // Close first, so an address can move to another listener (say 0.0.0.0:P to 127.0.0.5:P).
        // Each is closed (and stopped listening) before `apply` returns.
        for (endpoint, listener) in plan.close {
            await listener.close()
            logger.info("stopped listening", metadata: ["address": "\(endpoint)"])
        }

        let results = await withTaskGroup(of: (ProxyEndpoint, Result<ProxyListener, ProxyFailure>).self) { group in
            for endpoint in plan.open {
                let route = wanted[endpoint] ?? ""
                group.addTask {
                    let result: Result<ProxyListener, ProxyFailure>
                    switch endpoint.transport {
                    case .tcp: result = await self.bind(endpoint.address, route: route)
                    case .udp: result = await self.bindDatagrams(endpoint.address, route: route)
                    }
                    return (endpoint, result)
                }
            }
            var results: [ProxyEndpoint: Result<ProxyListener, ProxyFailure>] = [:]
            for await (address, result) in group { results[address] = result }
            return results
        }

        var stray: [ProxyListener] = []
        state.withLock { state in
            for (address, result) in results {
                guard case .success(let listener) = result else { continue }
                if state.isShutdown || state.bindings[address] == nil {
                    stray.append(listener)
                } else {
                    state.listeners[address] = listener
                }
            }
        }
        for listener in stray { await listener.close() }

        var listenFailed = false
        for endpoint in plan.open {
            switch results[endpoint] {
            case .success:
                logger.info("listening", metadata: ["address": "\(endpoint)", "route": "\(wanted[endpoint] ?? "")"])
            case .failure(let failure):
                logger.warning("\(failure.message)", metadata: ["route": "\(failure.route)"])
                failures.append(failure)
                listenFailed = true
            case nil:
                break
            }
        }
        guard !failures.isEmpty else { return nil }
        return AICoreError(code: listenFailed ? .listenFailed : .invalidRoutes, failures: failures)
    }

    /// Binds one TCP listener with SO_REUSEADDR; clients it accepts go to `route` (looked up at
    /// accept time, so a later `apply` can give the address to another route). The socket is
    /// made here and handed to NIO, so that `ProxyListener.close()` can shut it down.
    private func bind(_ address: ProxyAddress, route: String) async -> Result<ProxyListener, ProxyFailure> {
        func failure(_ text: String, _ cause: any Error) -> Result<ProxyListener, ProxyFailure> {
            .failure(.init(route: route, address: address, message: "cannot listen on \(address): \(text)", cause: cause))
        }
        let socketAddress: SocketAddress
        do {
            socketAddress = try SocketAddress(ipAddress: address.host, port: address.port)
        } catch {
            return failure("\(address.host) is not an IP address", error)
        }
        guard let bootstrap = ServerBootstrap(validatingGroup: group) else {
            let error = AICoreError(code: .unsupportedEventLoopGroup, message: "the event loop group is not a NIOPosix one")
            return failure(error.message, error)
        }
        let descriptor: CInt
        do {
            descriptor = try Self.listeningSocket(socketAddress, backlog: Self.backlog)
        } catch {
            return failure(String(cString: strerror(error.errnoCode)), error)
        }
        do {
            // NIO owns the descriptor from here on, and closes it if this fails.
            let channel = try await bootstrap
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { [self] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try self.admit(channel, listener: address)
                    }
                }
                .withBoundSocket(descriptor)
                .get()
            // NIO listens again on a socket it is handed, with its default backlog: ours back.
            _ = try? await channel.eventLoop.submit {
                if channel.isActive { _ = Glibc.listen(descriptor, ServiceProxy.backlog) }
            }.get()
            return .success(ProxyListener(channel: channel, descriptor: descriptor))
        } catch let error as IOError {
            return failure(String(cString: strerror(error.errnoCode)), error)
        } catch {
            return failure("\(error)", error)
        }
    }

    /// The accept queue of each listener.
    static let backlog: CInt = 256

    /// A TCP socket bound to `address` with SO_REUSEADDR and listening, close-on-exec; the
    /// descriptor is closed again when a step fails.
    private static func listeningSocket(_ address: SocketAddress, backlog: CInt) throws(IOError) -> CInt {
        try boundSocket(address, type: SOCK_STREAM, reuseAddress: true) { Glibc.listen($0, backlog) == 0 }
    }

    /// A close-on-exec socket of `type` bound to `address`, after which `ready` must hold; the
    /// descriptor is closed again when a step fails.
    static func boundSocket(_ address: SocketAddress, type: __socket_type, reuseAddress: Bool,
                            ready: (CInt) -> Bool = { _ in true }) throws(IOError) -> CInt {
        let family = address.protocol == .inet6 ? AF_INET6 : AF_INET
        let descriptor = Glibc.socket(family, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        var one: CInt = 1
        let status = (!reuseAddress || Glibc.setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<CInt>.size)) == 0)
            && address.withSockAddr({ Glibc.bind(descriptor, $0, socklen_t($1)) }) == 0
            && ready(descriptor)
        guard status else {
            let error = IOError(errnoCode: errno, reason: "bind")
            Glibc.close(descriptor)
            throw error
        }
        return descriptor
    }
}
