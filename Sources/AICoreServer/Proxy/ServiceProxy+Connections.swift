import AICoreErrors
import Logging
import NIOCore
import NIOPosix

extension ServiceProxy {
    /// Why a client was closed right after accept; NIO closes the channel when the initializer throws.
    struct ClientRefused: Error, CustomStringConvertible {
        var description: String
    }

    /// Sets up a client connection just accepted on `listener`, on its event loop. Throwing makes
    /// NIO close it at once: at the route's or the client's limit, with no backend, or when the
    /// listener was removed. The backend is connected when the route's `ProxyConnect` says.
    func admit(_ client: any Channel, listener: ProxyAddress) throws {
        let address = client.remoteAddress?.ipAddress ?? "unknown"
        let admission = state.withLock { state -> Result<(route: String, counters: ProxyRouteCounters, connect: ProxyConnect), ClientRefused> in
            guard !state.isShutdown, let route = state.bindings[ProxyEndpoint(listener, .tcp)], let entry = state.routes[route] else {
                return .failure(ClientRefused(description: "listener \(listener) is closing"))
            }
            let counters = entry.counters
            counters.total.wrappingAdd(1, ordering: .relaxed)
            if counters.active.load(ordering: .relaxed) >= maxConnectionsPerRoute {
                counters.rejected.wrappingAdd(1, ordering: .relaxed)
                return .failure(ClientRefused(description: "route \(route) is at its limit of \(maxConnectionsPerRoute) connections"))
            }
            if state.perClient[address, default: 0] >= maxConnectionsPerClient {
                counters.rejected.wrappingAdd(1, ordering: .relaxed)
                return .failure(ClientRefused(description: "client \(address) is at its limit of \(maxConnectionsPerClient) connections"))
            }
            if entry.pool.members.isEmpty {
                counters.failed.wrappingAdd(1, ordering: .relaxed)
                return .failure(ClientRefused(description: "route \(route) has no ready backend"))
            }
            counters.active.wrappingAdd(1, ordering: .relaxed)
            state.perClient[address, default: 0] += 1
            state.connections[ObjectIdentifier(client)] = client
            return .success((route, counters, entry.connect))
        }
        let route: String
        let counters: ProxyRouteCounters
        let connect: ProxyConnect
        switch admission {
        case .success(let admitted):
            (route, counters, connect) = admitted
        case .failure(let refused):
            logger.debug("client closed: \(refused)", metadata: ["listener": "\(listener)"])
            throw refused
        }
        client.closeFuture.whenComplete { [self] _ in
            counters.active.wrappingSubtract(1, ordering: .relaxed)
            state.withLock { state in
                _ = state.connections.removeValue(forKey: ObjectIdentifier(client))
                let left = state.perClient[address, default: 1] - 1
                state.perClient[address] = left > 0 ? left : nil
            }
        }
        let handler = ProxySpliceHandler(side: .client, route: counters, connectOn: connect) { [self] handler, context in
            connectBackend(for: context.channel, handler: NIOLoopBound(handler, eventLoop: context.eventLoop),
                           route: route, counters: counters, tried: [])
        }
        try client.pipeline.syncOperations.addHandlers(IdleStateHandler(allTimeout: idleTimeout), handler)
    }

    /// Connects the client's next backend, skipping those in `tried`, on the client's event
    /// loop; pairs the two on success, tries the next backend on failure, and closes the client
    /// once none is left.
    private func connectBackend(for client: any Channel, handler: NIOLoopBound<ProxySpliceHandler>, route: String,
                                counters: ProxyRouteCounters, tried: Set<ProxyBackend>) {
        guard client.isActive else { return }
        guard let backend = state.withLock({ $0.routes[route]?.pool.pick(excluding: tried) }) else {
            counters.failed.wrappingAdd(1, ordering: .relaxed)
            logger.debug("no backend reachable; client closed",
                         metadata: ["route": "\(route)", "tried": "\(tried.map(\.description).sorted())"])
            client.close(promise: nil)
            return
        }
        let target = backend.backend
        let logger = logger
        let connected: EventLoopFuture<any Channel>
        if let bootstrap = ClientBootstrap(validatingGroup: client.eventLoop) {
            let idleTimeout = idleTimeout
            let configured = bootstrap
                .connectTimeout(connectTimeout)
                .channelOption(.allowRemoteHalfClosure, value: true)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(
                            IdleStateHandler(allTimeout: idleTimeout), ProxySpliceHandler(side: .backend, route: counters))
                    }
                }
            // IP literals connect directly; names go through NIO's resolver (off the event loop).
            if let address = try? SocketAddress(ipAddress: target.host, port: target.port) {
                connected = configured.connect(to: address)
            } else {
                connected = configured.connect(host: target.host, port: target.port)
            }
        } else {
            connected = client.eventLoop.makeFailedFuture(
                AICoreError(code: .unsupportedEventLoopGroup, message: "the client's event loop is not a NIOPosix one"))
        }
        connected.whenComplete { [self] result in
            switch result {
            case .success(let channel):
                backend.total.wrappingAdd(1, ordering: .relaxed)
                channel.closeFuture.whenComplete { _ in backend.active.wrappingSubtract(1, ordering: .relaxed) }
                guard client.isActive else {
                    channel.close(promise: nil)
                    return
                }
                do {
                    let other = try channel.pipeline.syncOperations.handler(type: ProxySpliceHandler.self)
                    handler.value.pair(with: other, backend: backend)
                } catch {
                    channel.close(promise: nil)
                    client.close(promise: nil)
                }
            case .failure(let error):
                backend.active.wrappingSubtract(1, ordering: .relaxed)
                backend.connectErrors.wrappingAdd(1, ordering: .relaxed)
                logger.debug("backend connect failed; trying the next",
                             metadata: ["route": "\(route)", "instance": "\(target.id)", "backend": "\(target)", "error": "\(error)"])
                connectBackend(for: client, handler: handler, route: route, counters: counters, tried: tried.union([target]))
            }
        }
    }
}
