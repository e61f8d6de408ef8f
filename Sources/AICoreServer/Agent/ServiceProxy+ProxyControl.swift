/// The agent's routes, served by the real proxy.
extension ServiceProxy: ProxyControl {
    public func serve(_ routes: [ServiceRoute]) async throws {
        try await apply(routes.map(\.proxyRoute))
    }

    public func updateBackends(_ route: String, _ backends: [ProxyBackend]) {
        setBackends(route, backends)
    }

    public func statistics() -> [ProxyRouteStats] { stats() }
}
