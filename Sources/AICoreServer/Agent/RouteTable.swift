import AICoreAddresses
import AICoreController
import AICoreDNS
import AICoreSpec
import AICoreStore
import Logging
import Synchronization

/// Which routes the proxy serves and which instances are behind each, kept current from the
/// Store's instance writes (`StoreObserver`): a replica that turns ready joins its routes, one
/// that turns unready, stops or goes leaves them, as soon as its runner records it.
///
/// On the host's network, a replicated service (more than one replica, each on its own `$PORT`)
/// is reached through its VIP at each target port and at each published host port; a
/// single-replica service binds its own ports, and the proxy only forwards a published port
/// that differs from its target. On bridge networks, a service is always reached through the
/// proxy: at its VIP on each of its networks and at each published host port, with each ready
/// replica's address on the service's first network behind.
///
/// TCP and UDP ports make routes alike, one per target port and transport: a UDP one is named
/// `<stack>/<service>:<port>/udp` (a TCP one has no suffix). SCTP ports get none.
public final class RouteTable: Sendable {
    /// Where a service on bridge networks is reached, and where its replicas are.
    public struct BridgeEndpoints: Sendable, Equatable {
        /// Network → its VIP there.
        public var vips: [String: String]
        /// The network whose address of each replica the proxy connects to: its first.
        public var network: String
        /// Network → the service's other names there (`aliases`).
        public var aliases: [String: [String]]

        public init(vips: [String: String], network: String, aliases: [String: [String]] = [:]) {
            self.vips = vips
            self.network = network
            self.aliases = aliases
        }
    }

    private struct State {
        var stacks: [String: Stack] = [:]
        var vips: [String: [String: String]] = [:]
        var bridged: [String: [String: BridgeEndpoints]] = [:]
        var instances: [String: InstanceRecord] = [:]
        /// Route name → its last published backends.
        var published: [String: [ProxyBackend]] = [:]
        /// Instances on their way out: in no rotation, whatever their readiness.
        var draining: Set<String> = []
        /// Instances whose records the observer saw deleted (until one under the name is saved).
        var deleted: Set<String> = []
    }

    private let proxy: any ProxyControl
    private let logger: Logger
    private let state = Mutex(State())
    /// Where the names of bridge networks go (the agent's resolver), after every change.
    private let names: (@Sendable (DNSRecordSet) -> Void)?

    public init(proxy: any ProxyControl, logger: Logger, names: (@Sendable (DNSRecordSet) -> Void)? = nil) {
        self.proxy = proxy
        self.logger = logger
        self.names = names
    }

    /// Sends the names as they stand now to the resolver.
    private func publishNames() {
        guard let names else { return }
        names(state.withLock { Self.names(of: $0) })
    }

    /// The proxy's counters per route and backend.
    public func statistics() -> [ProxyRouteStats] { proxy.statistics() }

    /// The proxy's counters as of now, for the REST API and metrics.
    public func currentStatistics() async -> [ProxyRouteStats] { await proxy.currentStatistics() }

    /// The routes as they stand.
    public var current: [ServiceRoute] {
        state.withLock { Self.routes(of: $0) }
    }

    /// Adds instances read from the Store. A record the observer has already delivered (or
    /// seen deleted) is kept as the observer left it: a Store read that raced a write is older,
    /// and taking it undid a readiness (an instance ready by its runner and its record, out of
    /// its routes for good: the end-to-end test's "nginx unreachable").
    func load(_ records: [InstanceRecord]) {
        state.withLock { state in
            for record in records where state.instances[record.id] == nil && !state.deleted.contains(record.id) {
                state.instances[record.id] = record
            }
        }
    }

    func set(stack: Stack, vips: [String: String], bridged: [String: BridgeEndpoints] = [:]) {
        state.withLock { state in
            state.stacks[stack.name] = stack
            state.vips[stack.name] = vips
            state.bridged[stack.name] = bridged
        }
        publishNames()
    }

    func remove(stack name: String) {
        state.withLock { state in
            state.stacks[name] = nil
            state.vips[name] = nil
            state.bridged[name] = nil
            state.instances = state.instances.filter { $0.value.stack != name }
        }
        publishNames()
    }

    /// Makes the proxy serve the routes of every stack. A listener that cannot bind is logged;
    /// the others serve.
    func publish() async {
        let routes = state.withLock { state in
            let routes = Self.routes(of: state)
            state.published = Dictionary(routes.map { ($0.name, $0.backends) }, uniquingKeysWith: { first, _ in first })
            return routes
        }
        do {
            try await proxy.serve(routes)
        } catch {
            logger.error("proxy: \(error)")
        }
        // A readiness that changed while the proxy bound its listeners reached it before the
        // route existed (it ignores unknown routes), and `serve` then installed the backends of
        // before: send each route whose backends moved on since.
        let served = Dictionary(routes.map { ($0.name, $0.backends) }, uniquingKeysWith: { first, _ in first })
        let moved = state.withLock { state in
            Self.routes(of: state).filter { served[$0.name] != nil && served[$0.name] != $0.backends }
        }
        for route in moved {
            proxy.updateBackends(route.name, route.backends)
        }
    }

    func instanceChanged(_ change: StoreObserver.InstanceChange) {
        let updates: [(String, [ProxyBackend])] = state.withLock { state in
            let stackName: String
            switch change {
            case let .saved(record):
                state.instances[record.id] = record
                state.deleted.remove(record.id)
                stackName = record.stack
            case let .deleted(id):
                state.draining.remove(id)
                state.deleted.insert(id)
                guard let gone = state.instances.removeValue(forKey: id) else { return [] }
                stackName = gone.stack
            }
            return Self.changedRoutes(of: stackName, &state)
        }
        for (route, backends) in updates {
            proxy.updateBackends(route, backends)
        }
        publishNames()
    }

    /// The published routes of `stack` whose backends differ from what the proxy has, now
    /// recorded as published.
    private static func changedRoutes(of stack: String, _ state: inout State) -> [(String, [ProxyBackend])] {
        guard state.stacks[stack] != nil else { return [] }
        var changed: [(String, [ProxyBackend])] = []
        for route in Self.routes(of: state) where route.stack == stack && state.published[route.name] != nil {
            if state.published[route.name] != route.backends {
                state.published[route.name] = route.backends
                changed.append((route.name, route.backends))
            }
        }
        return changed
    }

    private static func routes(of state: State) -> [ServiceRoute] {
        var routes: [ServiceRoute] = []
        for (name, stack) in state.stacks.sorted(by: { $0.key < $1.key }) {
            let instances = state.instances.values.filter { $0.stack == name && !state.draining.contains($0.id) }
            routes += Self.routes(stack: stack, vips: state.vips[name] ?? [:], bridged: state.bridged[name] ?? [:],
                                  instances: Array(instances))
        }
        return dedupWildcards(routes)
    }

    /// One route of a service: its target port and transport, TCP before UDP.
    struct RouteKey: Hashable, Comparable {
        var target: Int
        var transport: ProxyTransport

        /// The proxy's transport for a port, nil for one it does not serve (SCTP).
        init?(_ port: PortMapping) {
            guard let transport = ProxyTransport(rawValue: port.transport.rawValue) else { return nil }
            self.init(target: port.target, transport: transport)
        }

        init(target: Int, transport: ProxyTransport) {
            self.target = target
            self.transport = transport
        }

        static func < (left: RouteKey, right: RouteKey) -> Bool {
            (left.target, left.transport == .udp ? 1 : 0) < (right.target, right.transport == .udp ? 1 : 0)
        }

        /// `<stack>/<service>:<port>`, and `/udp` after it for UDP: TCP names stay as they were.
        func routeName(stack: String, service: String) -> String {
            "\(stack)/\(service):\(target)" + (transport == .tcp ? "" : "/\(transport.rawValue)")
        }
    }

    /// The routes of one stack.
    static func routes(stack: Stack, vips: [String: String], bridged: [String: BridgeEndpoints] = [:],
                       instances: [InstanceRecord]) -> [ServiceRoute] {
        var routes: [ServiceRoute] = []
        for service in stack.services {
            let own = instances.filter { $0.service == service.name }.sorted { $0.replica < $1.replica }
            if let endpoints = bridged[service.name] {
                routes += bridgedRoutes(stack: stack, service: service, endpoints: endpoints, instances: own)
                continue
            }
            let targets = Set(service.ports.map(\.target))
            let replicated = service.deploy.replicas > 1 || own.contains { ($0.ports.first).map { !targets.contains($0) } ?? false }
            let vip = vips[service.name]
            var byTarget: [RouteKey: [ProxyAddress]] = [:]
            for port in service.ports {
                guard let key = RouteKey(port) else { continue }
                var listeners = byTarget[key] ?? []
                if replicated, let vip { listeners.append(.init(host: vip, port: port.target)) }
                if let published = port.published {
                    for hostPort in published where replicated || hostPort != port.target {
                        listeners.append(.init(host: port.hostIP ?? "0.0.0.0", port: hostPort))
                    }
                }
                byTarget[key] = listeners
            }
            for (key, listeners) in byTarget.sorted(by: { $0.key < $1.key }) where !listeners.isEmpty {
                let target = key.target
                let ready = own.filter { $0.ready && $0.desired == .running }
                let backends: [ProxyBackend] = ready.compactMap { record in
                    if replicated {
                        return record.ports.first.map { ProxyBackend(id: record.id, host: "127.0.0.1", port: $0) }
                    }
                    return ProxyBackend(id: record.id, host: vip ?? "127.0.0.1", port: target)
                }
                routes.append(ServiceRoute(name: key.routeName(stack: stack.name, service: service.name), stack: stack.name,
                                           service: service.name,
                                           target: target, listeners: Array(Set(listeners)).sorted { $0.description < $1.description },
                                           backends: backends,
                                           balance: ProxyBalance(rawValue: service.aicore.proxy.balance.rawValue) ?? .roundRobin,
                                           connect: ProxyConnect(rawValue: service.aicore.proxy.connect.rawValue) ?? .onFirstData,
                                           transport: key.transport))
            }
        }
        return routes
    }

    /// The routes of a service on bridge networks: one per target port and transport, listening
    /// at each VIP and each published host port, to each ready replica at its address.
    static func bridgedRoutes(stack: Stack, service: Service, endpoints: BridgeEndpoints, instances: [InstanceRecord]) -> [ServiceRoute] {
        var byTarget: [RouteKey: [ProxyAddress]] = [:]
        // `expose`d ports are served at the VIPs only, published ones on the host too.
        for port in service.ports + service.expose {
            guard let key = RouteKey(port) else { continue }
            var listeners = byTarget[key] ?? []
            listeners += endpoints.vips.values.sorted().map { ProxyAddress(host: $0, port: port.target) }
            if let published = port.published {
                listeners += published.map { ProxyAddress(host: port.hostIP ?? "0.0.0.0", port: $0) }
            }
            byTarget[key] = listeners
        }
        let ready = instances.filter { $0.ready && $0.desired == .running }
        return byTarget.sorted(by: { $0.key < $1.key }).map { key, listeners in
            ServiceRoute(name: key.routeName(stack: stack.name, service: service.name), stack: stack.name, service: service.name,
                         target: key.target,
                         listeners: Array(Set(listeners)).sorted { $0.description < $1.description },
                         backends: ready.compactMap { record in
                             record.addresses[endpoints.network].map { ProxyBackend(id: record.id, host: $0, port: key.target) }
                         },
                         balance: ProxyBalance(rawValue: service.aicore.proxy.balance.rawValue) ?? .roundRobin,
                         connect: ProxyConnect(rawValue: service.aicore.proxy.connect.rawValue) ?? .onFirstData,
                         transport: key.transport)
        }
    }

    /// The names of every bridge network (the resolver's records): on each network a service
    /// is on, its name and aliases resolve to its VIP there, or, with `endpoint_mode: dnsrr` or
    /// no port for the proxy to serve (TCP or UDP), to each ready replica's address; each instance's name
    /// (`<stack>-<service>-<n>`, and the service's `hostname`) to its own address, which
    /// resolves back to that name.
    private static func names(of state: State) -> DNSRecordSet {
        var records = DNSRecordSet()
        for (stackName, stack) in state.stacks.sorted(by: { $0.key < $1.key }) {
            let instances = state.instances.values.filter { $0.stack == stackName && $0.desired == .running }
            for service in stack.services {
                guard let endpoints = state.bridged[stackName]?[service.name] else { continue }
                let own = instances.filter { $0.service == service.name }.sorted { $0.replica < $1.replica }
                let proxied = (service.ports + service.expose).contains { RouteKey($0) != nil }
                let roundRobin = service.deploy.endpointMode == .dnsrr || !proxied
                for (network, vip) in endpoints.vips {
                    var table = records.networks[network] ?? DNSNetworkRecords()
                    let ready = own.filter { $0.ready && !state.draining.contains($0.id) }
                    let serviceAddresses = roundRobin ? ready.compactMap { $0.addresses[network].flatMap(IPv4Address.init) }
                        : IPv4Address(vip).map { [$0] } ?? []
                    // VIPs are IPv4 only: a VIP service's AAAA answer is empty.
                    let serviceAddresses6 = roundRobin ? ready.compactMap { $0.addresses6[network].flatMap(IPv6Address.init) } : []
                    for name in [service.name] + (endpoints.aliases[network] ?? []) {
                        table.set(name, to: serviceAddresses)
                        table.set6(name, to: serviceAddresses6)
                    }
                    for instance in own {
                        guard let address = instance.addresses[network].flatMap(IPv4Address.init) else { continue }
                        table.set(instance.id, to: [address])
                        table.setPointer(address, to: instance.id)
                        if let address6 = instance.addresses6[network].flatMap(IPv6Address.init) {
                            table.set6(instance.id, to: [address6])
                            table.setPointer(address6, to: instance.id)
                        }
                    }
                    if let hostname = service.hostname {
                        table.set(hostname, to: own.compactMap { $0.addresses[network].flatMap(IPv4Address.init) })
                        table.set6(hostname, to: own.compactMap { $0.addresses6[network].flatMap(IPv6Address.init) })
                    }
                    records.networks[network] = table
                }
            }
        }
        return records
    }

    /// On Linux a wildcard listener and a specific one on the same port and transport cannot
    /// both listen: the wildcard one already receives what the specific one would (VIPs are loopback).
    static func dedupWildcards(_ routes: [ServiceRoute]) -> [ServiceRoute] {
        let wildcardPorts = Set(routes.flatMap { route in
            route.listeners.filter(\.isWildcard).map { RouteKey(target: $0.port, transport: route.transport) }
        })
        return routes.map { route in
            var route = route
            route.listeners = route.listeners.filter {
                $0.isWildcard || !wildcardPorts.contains(RouteKey(target: $0.port, transport: route.transport))
            }
            return route
        }
    }
}

extension RouteTable: TrafficDrain {
    /// Takes the instance out of every rotation at once (new connections go to the others),
    /// then waits for the proxy's open connections to it to end, or for `timeout`. It stays out
    /// until its record goes. Its UDP sessions end at once, as it leaves the rotation: UDP has
    /// no close to wait for.
    public func drain(stack: String, instance: String, timeout: Duration) async {
        let updates = state.withLock { state -> [(String, [ProxyBackend])] in
            guard state.instances[instance] != nil else { return [] }
            state.draining.insert(instance)
            return Self.changedRoutes(of: stack, &state)
        }
        for (route, backends) in updates {
            proxy.updateBackends(route, backends)
        }
        publishNames()
        let deadline = ContinuousClock.now.advanced(by: timeout)
        // The first count is asked for, not read from the last snapshot: the proxy answers it
        // after it applied the update above, so it includes every connection the proxy gave the
        // instance before it left the rotation. A snapshot pushed before the update can miss one
        // picked since, and the stop would then cut that request off.
        var open = Self.openConnections(to: instance, in: await proxy.currentStatistics())
        // A cancelled caller (a newer operation, `down`) stops waiting: the stop comes anyway.
        while open > 0, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
            open = Self.openConnections(to: instance, in: proxy.statistics())
        }
    }

    /// Connections the proxy has open to the instance, over all its routes.
    static func openConnections(to instance: String, in stats: [ProxyRouteStats]) -> Int {
        stats.flatMap(\.backends).filter { $0.backend.id == instance }.reduce(0) { $0 + $1.activeConnections }
    }
}
