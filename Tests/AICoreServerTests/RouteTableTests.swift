import AICoreAddresses
import AICoreDNS
@testable import AICoreServer
import AICoreSpec
import AICoreStore
import Logging
import Synchronization
import Testing

/// A proxy that remembers what it was told and reports open connections the test sets.
final class RouteRecordingProxy: ProxyControl {
    private let state = Mutex<(routes: [String: [ProxyBackend]], served: [String: ServiceRoute], open: [String: Int])>(([:], [:], [:]))

    /// While set, `serve` waits (as the real one does while it binds) until `releaseServe`.
    private let held = Mutex<(hold: Bool, waiting: CheckedContinuation<Void, Never>?)>((false, nil))

    func holdServe() { held.withLock { $0.hold = true } }
    var serveIsWaiting: Bool { held.withLock { $0.waiting != nil } }
    func releaseServe() {
        held.withLock { held -> CheckedContinuation<Void, Never>? in
            held.hold = false
            defer { held.waiting = nil }
            return held.waiting
        }?.resume()
    }

    func serve(_ routes: [ServiceRoute]) async throws {
        if held.withLock({ $0.hold }) {
            await withCheckedContinuation { continuation in held.withLock { $0.waiting = continuation } }
        }
        state.withLock { state in
            state.routes = Dictionary(uniqueKeysWithValues: routes.map { ($0.name, $0.backends) })
            state.served = Dictionary(uniqueKeysWithValues: routes.map { ($0.name, $0) })
        }
    }
    /// As the real proxy: a route it does not serve (yet) is ignored.
    func updateBackends(_ route: String, _ backends: [ProxyBackend]) {
        state.withLock { state in
            if state.routes[route] != nil { state.routes[route] = backends }
        }
    }
    func statistics() -> [ProxyRouteStats] {
        pushed.withLock { $0 } ?? live()
    }
    /// As the proxy process's client: asked for, the counters are as of the call.
    func currentStatistics() async -> [ProxyRouteStats] {
        let now = live()
        pushed.withLock { if $0 != nil { $0 = now } }
        return now
    }
    private func live() -> [ProxyRouteStats] {
        state.withLock { state in
            state.routes.keys.sorted().map { route in
                ProxyRouteStats(route: route, backends: state.open.map { id, open in
                    ProxyBackendStats(backend: ProxyBackend(id: id, port: 1), inRotation: false, activeConnections: open)
                })
            }
        }
    }
    /// While set, `statistics()` answers this snapshot, as the proxy process's client answers
    /// the last one the proxy pushed, until `currentStatistics()` asks for new counters.
    private let pushed = Mutex<[ProxyRouteStats]?>(nil)
    func freezeSnapshot() {
        let now = live()
        pushed.withLock { $0 = now }
    }
    func backends(_ route: String) -> [String] { state.withLock { ($0.routes[route] ?? []).map(\.id) } }
    func balance(_ route: String) -> ProxyBalance? { state.withLock { $0.served[route]?.balance } }
    func connect(_ route: String) -> ProxyConnect? { state.withLock { $0.served[route]?.connect } }
    func setOpen(_ instance: String, _ count: Int) { state.withLock { $0.open[instance] = count } }
}

@Suite struct RouteTableTests {
    let proxy = RouteRecordingProxy()
    var table: RouteTable { RouteTable(proxy: proxy, logger: Logger(label: "test")) }

    func stack(balance: ProxySettings.Balance = .roundRobin, connect: ProxySettings.Connect = .onFirstData) -> Stack {
        var service = Service(name: "api")
        service.deploy.replicas = 2
        service.ports = [PortMapping(target: 3000, published: 8080...8080, hostIP: "127.0.0.1")]
        service.aicore.proxy.balance = balance
        service.aicore.proxy.connect = connect
        return Stack(name: "demo", services: [service])
    }

    func instance(_ replica: Int, ready: Bool = true) -> InstanceRecord {
        InstanceRecord(id: "demo-api-\(replica)", stack: "demo", service: "api", replica: replica, ports: [40000 + replica],
                       state: .running, ready: ready)
    }

    @Test func aServicesBalanceReachesItsRoutes() async {
        let table = self.table
        table.set(stack: stack(balance: .leastConnections), vips: ["api": "127.0.9.9"])
        await table.publish()
        #expect(proxy.balance("demo/api:3000") == .leastConnections)
        #expect(proxy.connect("demo/api:3000") == .onFirstData)
    }

    @Test func aServiceThatSpeaksFirstIsConnectedOnAccept() async {
        let table = self.table
        table.set(stack: stack(connect: .onAccept), vips: ["api": "127.0.9.9"])
        await table.publish()
        #expect(proxy.connect("demo/api:3000") == .onAccept)
    }

    @Test func aDrainedInstanceLeavesRotationAtOnceAndTheDrainWaitsForItsConnections() async {
        let table = self.table
        table.load([instance(1), instance(2)])
        table.set(stack: stack(), vips: ["api": "127.0.9.9"])
        await table.publish()
        #expect(proxy.backends("demo/api:3000") == ["demo-api-1", "demo-api-2"])

        proxy.setOpen("demo-api-2", 1)
        let proxy = self.proxy
        let drained = Task { await table.drain(stack: "demo", instance: "demo-api-2", timeout: .seconds(30)) }
        try? await Task.sleep(for: .milliseconds(100))
        #expect(proxy.backends("demo/api:3000") == ["demo-api-1"])
        // Still ready by its record, yet out: draining wins over readiness.
        table.instanceChanged(.saved(instance(2)))
        #expect(proxy.backends("demo/api:3000") == ["demo-api-1"])
        proxy.setOpen("demo-api-2", 0)
        await drained.value
        // A new instance under the same name (after its record went) is in rotation again.
        table.instanceChanged(.deleted(id: "demo-api-2"))
        table.instanceChanged(.saved(instance(2)))
        #expect(proxy.backends("demo/api:3000") == ["demo-api-1", "demo-api-2"])
    }

    @Test func aStoreReadOlderThanTheObserverDoesNotTakeAReadyInstanceOutOfItsRoutes() async {
        let table = self.table
        table.load([instance(1, ready: false)])
        table.set(stack: stack(), vips: ["api": "127.0.9.9"])
        await table.publish()
        #expect(proxy.backends("demo/api:3000").isEmpty)
        // The runner records readiness; the observer delivers it.
        table.instanceChanged(.saved(instance(1)))
        #expect(proxy.backends("demo/api:3000") == ["demo-api-1"])
        // A later publish with a Store read made before that write (the end of an apply).
        table.load([instance(1, ready: false)])
        await table.publish()
        #expect(proxy.backends("demo/api:3000") == ["demo-api-1"])
        // Nor does a stale read bring back an instance whose record went.
        table.instanceChanged(.deleted(id: "demo-api-1"))
        table.load([instance(1)])
        await table.publish()
        #expect(proxy.backends("demo/api:3000").isEmpty)
    }

    @Test func aReadinessThatArrivesWhileTheProxyBindsStillReachesIt() async {
        let table = self.table
        let proxy = self.proxy
        table.load([instance(1, ready: false)])
        table.set(stack: stack(), vips: ["api": "127.0.9.9"])
        proxy.holdServe()
        let publishing = Task { await table.publish() }
        while !proxy.serveIsWaiting { try? await Task.sleep(for: .milliseconds(5)) }
        // Ready while the proxy is still binding: it does not know the route yet.
        table.instanceChanged(.saved(instance(1)))
        proxy.releaseServe()
        await publishing.value
        #expect(proxy.backends("demo/api:3000") == ["demo-api-1"])
    }

    @Test func aDrainGivesUpAfterItsTimeout() async {
        let table = self.table
        table.load([instance(1)])
        table.set(stack: stack(), vips: [:])
        await table.publish()
        proxy.setOpen("demo-api-1", 3)
        let start = ContinuousClock.now
        await table.drain(stack: "demo", instance: "demo-api-1", timeout: .milliseconds(200))
        #expect(ContinuousClock.now - start >= .milliseconds(200))
        #expect(proxy.backends("demo/api:3000").isEmpty)
    }

    /// A connection the proxy gave the instance after its last pushed snapshot is still waited
    /// for: the stop would otherwise cut off a request the proxy already sent there.
    @Test func aDrainWaitsForAConnectionTheLastSnapshotDidNotShowYet() async {
        let table = self.table
        table.load([instance(1)])
        table.set(stack: stack(), vips: [:])
        await table.publish()
        proxy.freezeSnapshot()
        proxy.setOpen("demo-api-1", 1)
        #expect(proxy.statistics().flatMap(\.backends).isEmpty)
        let start = ContinuousClock.now
        await table.drain(stack: "demo", instance: "demo-api-1", timeout: .milliseconds(200))
        #expect(ContinuousClock.now - start >= .milliseconds(200))
    }

    /// A service on a bridge network with a UDP DNS port published on the host's loopback only,
    /// an exposed UDP port, a TCP port, and an SCTP port the proxy does not serve.
    func bridgedDNS() -> (Stack, [String: RouteTable.BridgeEndpoints], [InstanceRecord]) {
        var service = Service(name: "dns")
        service.ports = [PortMapping(target: 53, published: 5353...5353, hostIP: "127.0.0.1", transport: .udp),
                         PortMapping(target: 53, published: 5353...5353, hostIP: "127.0.0.1"),
                         PortMapping(target: 9000, transport: .sctp)]
        service.expose = [PortMapping(target: 5300, transport: .udp)]
        let endpoints = RouteTable.BridgeEndpoints(vips: ["net_default": "10.220.0.2"], network: "net_default")
        let instance = InstanceRecord(id: "net-dns-1", stack: "net", service: "dns", replica: 1,
                                      addresses: ["net_default": "10.220.0.5"], state: .running, ready: true)
        return (Stack(name: "net", services: [service]), ["dns": endpoints], [instance])
    }

    @Test func aBridgedServiceGetsOneRoutePerPortAndTransportAndNoneForSCTP() {
        let (stack, bridged, instances) = bridgedDNS()
        let routes = RouteTable.routes(stack: stack, vips: [:], bridged: bridged, instances: instances)
        #expect(routes.map(\.name) == ["net/dns:53", "net/dns:53/udp", "net/dns:5300/udp"])
        #expect(routes.map(\.transport) == [.tcp, .udp, .udp])
        let udp = routes[1]
        #expect(udp.listeners.map(\.description) == ["10.220.0.2:53", "127.0.0.1:5353"])
        #expect(udp.backends == [ProxyBackend(id: "net-dns-1", host: "10.220.0.5", port: 53)])
        // Exposed: at the VIP only.
        #expect(routes[2].listeners.map(\.description) == ["10.220.0.2:5300"])
    }

    @Test func aReplicatedHostNetworkServiceServesItsUDPPortAtItsVIPToo() {
        var service = Service(name: "api")
        service.deploy.replicas = 2
        service.ports = [PortMapping(target: 3000), PortMapping(target: 3000, published: 8053...8053, transport: .udp)]
        let routes = RouteTable.routes(stack: Stack(name: "demo", services: [service]), vips: ["api": "127.0.9.9"],
                                       instances: [instance(1), instance(2)])
        #expect(routes.map(\.name) == ["demo/api:3000", "demo/api:3000/udp"])
        #expect(routes[1].transport == .udp)
        #expect(routes[1].listeners.map(\.description) == ["0.0.0.0:8053", "127.0.9.9:3000"])
        #expect(routes[1].backends.map(\.address) == ["127.0.0.1:40001", "127.0.0.1:40002"])
    }

    @Test func aWildcardUDPListenerDoesNotTakeATCPListenerOnTheSamePort() {
        let tcp = ServiceRoute(name: "s/a:53", stack: "s", service: "a", target: 53,
                               listeners: [ProxyAddress(host: "10.220.0.2", port: 53)], backends: [])
        let udp = ServiceRoute(name: "s/b:53/udp", stack: "s", service: "b", target: 53,
                               listeners: [ProxyAddress(host: "0.0.0.0", port: 53)], backends: [], transport: .udp)
        let udpVIP = ServiceRoute(name: "s/c:53/udp", stack: "s", service: "c", target: 53,
                                  listeners: [ProxyAddress(host: "10.220.0.3", port: 53)], backends: [], transport: .udp)
        let deduplicated = RouteTable.dedupWildcards([tcp, udp, udpVIP])
        #expect(deduplicated.map(\.listeners.count) == [1, 1, 0])
    }

    @Test func aServiceWithOnlyUDPPortsResolvesToItsVIP() async throws {
        let names = Mutex(DNSRecordSet())
        let table = RouteTable(proxy: proxy, logger: Logger(label: "test"), names: { records in names.withLock { $0 = records } })
        var (stack, bridged, instances) = bridgedDNS()
        stack.services[0].ports = stack.services[0].ports.filter { $0.transport == .udp }
        table.load(instances)
        table.set(stack: stack, vips: [:], bridged: bridged)
        let name = try #require(DNSName("dns"))
        #expect(names.withLock { $0.addresses(of: name, on: ["net_default"]) } == [IPv4Address("10.220.0.2")].compactMap { $0 })
    }

    @Test func routeStatusMarksUDPListeners() {
        let route = ServiceRoute(name: "demo/dns:53/udp", stack: "demo", service: "dns", target: 53,
                                 listeners: [ProxyAddress(host: "127.0.0.1", port: 5353)], backends: [], transport: .udp)
        #expect(ProxyRouteStatus(route, nil).listeners == ["127.0.0.1:5353/udp"])
    }

    @Test func routeStatusWritesEveryAddressAsTheProxyDoesWithIPv6InBrackets() {
        let route = ServiceRoute(name: "demo/api:3000", stack: "demo", service: "api", target: 3000,
                                 listeners: [ProxyAddress(host: "::", port: 8080), ProxyAddress(host: "127.0.0.1", port: 8081)],
                                 backends: [ProxyBackend(id: "demo-api-1", host: "::1", port: 3000),
                                            ProxyBackend(id: "demo-api-2", host: "127.0.0.1", port: 3001)])
        let status = ProxyRouteStatus(route, nil)
        #expect(status.listeners == ["[::]:8080", "127.0.0.1:8081"])
        #expect(status.backends.map(\.address) == ["[::1]:3000", "127.0.0.1:3001"])
    }
}
