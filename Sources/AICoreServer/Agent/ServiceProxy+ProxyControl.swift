/// The agent's routes, served by the real proxy.
extension ServiceProxy: ProxyControl {
    public func serve(_ routes: [ServiceRoute]) async throws {
        try await apply(routes.map { route in
            ProxyRoute(name: route.name, listeners: route.listeners.map { ProxyAddress(host: $0.host, port: $0.port) },
                       backends: route.backends.map(Self.backend), balance: ProxyBalance(rawValue: route.balance.rawValue) ?? .roundRobin,
                       connect: ProxyConnect(rawValue: route.connect.rawValue) ?? .onFirstData)
        })
    }

    public func updateBackends(_ route: String, _ backends: [ServiceRoute.Backend]) {
        setBackends(route, backends.map(Self.backend))
    }

    public func statistics() -> [ProxyRouteStats] { stats() }

    static func backend(_ backend: ServiceRoute.Backend) -> ProxyBackend {
        ProxyBackend(id: backend.instance, host: backend.host, port: backend.port)
    }
}
