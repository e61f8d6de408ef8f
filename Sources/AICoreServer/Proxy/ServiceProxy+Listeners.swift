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

        // Check the routes: one name per route, one route per address.
        var accepted: [ProxyRoute] = []
        var wanted: [ProxyAddress: String] = [:]
        var names = Set<String>()
        for route in routes {
            guard names.insert(route.name).inserted else {
                failures.append(.init(route: route.name, address: nil, message: "route \(route.name) is given twice; the first one is used"))
                continue
            }
            var kept = route
            kept.listeners = []
            for address in route.listeners {
                if let owner = wanted[address] {
                    if owner != route.name {
                        failures.append(.init(route: route.name, address: address,
                                              message: "cannot listen on \(address) for \(route.name): route \(owner) already listens there"))
                    }
                    continue
                }
                wanted[address] = route.name
                kept.listeners.append(address)
            }
            accepted.append(kept)
        }

        // Swap routes and backends at once; find listeners to close and to open.
        let plan = state.withLock { state -> (close: [(ProxyAddress, any Channel)], open: [ProxyAddress])? in
            guard !state.isShutdown else { return nil }
            var routes: [String: RouteEntry] = [:]
            for route in accepted {
                if var entry = state.routes[route.name] {
                    entry.pool.balance = route.balance
                    entry.connect = route.connect
                    entry.pool.replace(with: route.backends)
                    routes[route.name] = entry
                } else {
                    routes[route.name] = RouteEntry(pool: ProxyBackendPool(balance: route.balance, backends: route.backends),
                                                    connect: route.connect,
                                                    counters: ProxyRouteCounters())
                }
            }
            state.routes = routes
            state.bindings = wanted
            var close: [(ProxyAddress, any Channel)] = []
            for (address, channel) in state.listeners where wanted[address] == nil {
                close.append((address, channel))
            }
            for (address, _) in close { state.listeners[address] = nil }
            let open = accepted.flatMap(\.listeners).filter { state.listeners[$0] == nil }
            return (close, open)
        }
        guard let plan else {
            return AICoreError(code: .shutDown, message: "the proxy is shut down; it cannot apply routes")
        }

        // Close first, so an address can move to another listener (say 0.0.0.0:P to 127.0.0.5:P).
        for (address, channel) in plan.close {
            try? await channel.close()
            logger.info("stopped listening", metadata: ["address": "\(address)"])
        }

        let results = await withTaskGroup(of: (ProxyAddress, Result<any Channel, ProxyFailure>).self) { group in
            for address in plan.open {
                let route = wanted[address] ?? ""
                group.addTask { (address, await self.bind(address, route: route)) }
            }
            var results: [ProxyAddress: Result<any Channel, ProxyFailure>] = [:]
            for await (address, result) in group { results[address] = result }
            return results
        }

        var stray: [any Channel] = []
        state.withLock { state in
            for (address, result) in results {
                guard case .success(let channel) = result else { continue }
                if state.isShutdown || state.bindings[address] == nil {
                    stray.append(channel)
                } else {
                    state.listeners[address] = channel
                }
            }
        }
        for channel in stray { try? await channel.close() }

        var listenFailed = false
        for address in plan.open {
            switch results[address] {
            case .success:
                logger.info("listening", metadata: ["address": "\(address)", "route": "\(wanted[address] ?? "")"])
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

    /// Binds one listener with SO_REUSEADDR; clients it accepts go to `route` (looked up at
    /// accept time, so a later `apply` can give the address to another route).
    private func bind(_ address: ProxyAddress, route: String) async -> Result<any Channel, ProxyFailure> {
        func failure(_ text: String, _ cause: any Error) -> Result<any Channel, ProxyFailure> {
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
        do {
            let channel = try await bootstrap
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 256)
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .childChannelInitializer { [self] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try self.admit(channel, listener: address)
                    }
                }
                .bind(to: socketAddress)
                .get()
            return .success(channel)
        } catch let error as IOError {
            return failure(String(cString: strerror(error.errnoCode)), error)
        } catch {
            return failure("\(error)", error)
        }
    }
}
