import AICoreErrors
import AICoreTestSupport
import NIOCore
import Testing
@testable import AICoreServer

/// UDP routes over real sockets on 127.0.0.1: backends answer `<id>:<datagram>`, each client
/// is its own socket (its own ip:port, so its own session). Every wait is a bounded poll.
@Suite struct ServiceProxyDatagramTests {
    func makeProxy(sessionIdleTimeout: TimeAmount = .seconds(90), maxSessionsPerListener: Int = 4096) -> ServiceProxy {
        ServiceProxy(logger: ServiceProxyTests.quiet, sessionIdleTimeout: sessionIdleTimeout, maxSessionsPerListener: maxSessionsPerListener)
    }

    func route(_ name: String = "s/dns:53/udp", port: Int, _ backends: [ProxyBackend]) -> ProxyRoute {
        ProxyRoute(name: name, listeners: [ProxyAddress(host: "127.0.0.1", port: port)], backends: backends, transport: .udp)
    }

    func routeStats(_ proxy: ServiceProxy, _ name: String = "s/dns:53/udp") -> ProxyRouteStats? {
        proxy.stats().first { $0.route == name }
    }

    @Test func twoClientsAreBalancedOverTwoBackendsAndEachKeepsItsOwn() async throws {
        let a = try await ProxyTestDatagramBackend.start("a")
        let b = try await ProxyTestDatagramBackend.start("b")
        let proxy = makeProxy()
        let port = try freeLoopbackPort()
        try await proxy.apply([route(port: port, [a.backend, b.backend])])
        let first = try await ProxyTestDatagramClient.open()
        let second = try await ProxyTestDatagramClient.open()

        try await first.send("one", to: port)
        #expect(await first.waitFor("a:one"))
        try await second.send("two", to: port)
        #expect(await second.waitFor("b:two"))
        // Each session keeps its backend, and replies reach only their own client, from the
        // address the client sent to.
        try await first.send("three", to: port)
        try await second.send("four", to: port)
        #expect(await first.waitFor("a:three"))
        #expect(await second.waitFor("b:four"))
        #expect(first.received == ["a:one", "a:three"])
        #expect(second.received == ["b:two", "b:four"])
        #expect(first.senders.allSatisfy { $0.port == port && $0.ipAddress == "127.0.0.1" })

        let stats = try #require(routeStats(proxy))
        #expect(stats.activeConnections == 2)
        #expect(stats.totalConnections == 2)
        #expect(stats.bytesIn == "onetwothreefour".utf8.count)
        #expect(stats.bytesOut == "a:oneb:twoa:threeb:four".utf8.count)
        #expect(stats.backend("a")?.activeConnections == 1)
        #expect(stats.backend("b")?.totalConnections == 1)

        await first.close()
        await second.close()
        await proxy.shutdown()
        await a.stop()
        await b.stop()
    }

    @Test func anIdleSessionEndsAndTheClientsNextDatagramStartsAnother() async throws {
        let backend = try await ProxyTestDatagramBackend.start("a")
        let proxy = makeProxy(sessionIdleTimeout: .milliseconds(200))
        let port = try freeLoopbackPort()
        try await proxy.apply([route(port: port, [backend.backend])])
        let client = try await ProxyTestDatagramClient.open()

        try await client.send("ping", to: port)
        #expect(await client.waitFor("a:ping"))
        #expect(await eventually { routeStats(proxy)?.activeConnections == 0 })
        #expect(routeStats(proxy)?.backend("a")?.activeConnections == 0)

        try await client.send("again", to: port)
        #expect(await client.waitFor("a:again"))
        #expect(routeStats(proxy)?.totalConnections == 2)

        await client.close()
        await proxy.shutdown()
        await backend.stop()
    }

    @Test func aBackendRemovedFromTheRouteLosesItsSessionsAtOnce() async throws {
        let a = try await ProxyTestDatagramBackend.start("a")
        let b = try await ProxyTestDatagramBackend.start("b")
        let proxy = makeProxy()
        let port = try freeLoopbackPort()
        try await proxy.apply([route(port: port, [a.backend])])
        let client = try await ProxyTestDatagramClient.open()
        try await client.send("before", to: port)
        #expect(await client.waitFor("a:before"))

        // A drain: UDP has no close to wait for, so the session ends with the backend's exit
        // from the rotation, not after its idle timeout (90 s here).
        proxy.setBackends("s/dns:53/udp", [b.backend])
        #expect(await eventually { routeStats(proxy)?.activeConnections == 0 })
        #expect(proxy.activeConnections(route: "s/dns:53/udp", backend: "a") == 0)

        try await client.send("after", to: port)
        #expect(await client.waitFor("b:after"))
        #expect(a.receivedCount == 1)

        await client.close()
        await proxy.shutdown()
        await a.stop()
        await b.stop()
    }

    @Test func aRefusingBackendEndsTheSessionAndTheNextDatagramPicksAgain() async throws {
        let live = try await ProxyTestDatagramBackend.start("live")
        // Nothing listens there: the kernel answers ICMP port unreachable.
        let dead = ProxyBackend(id: "dead", host: "127.0.0.1", port: try freeLoopbackPort())
        let proxy = makeProxy()
        let port = try freeLoopbackPort()
        try await proxy.apply([route(port: port, [dead, live.backend])])
        let client = try await ProxyTestDatagramClient.open()

        try await client.send("lost", to: port)
        #expect(await eventually {
            let stats = routeStats(proxy)
            return stats?.backend("dead")?.connectErrors == 1 && stats?.activeConnections == 0
        })

        try await client.send("found", to: port)
        #expect(await client.waitFor("live:found"))
        #expect(client.received == ["live:found"])
        #expect(routeStats(proxy)?.totalConnections == 2)

        await client.close()
        await proxy.shutdown()
        await live.stop()
    }

    @Test func beyondTheSessionLimitANewClientsDatagramsAreDroppedAndCounted() async throws {
        let backend = try await ProxyTestDatagramBackend.start("a")
        let proxy = makeProxy(maxSessionsPerListener: 1)
        let port = try freeLoopbackPort()
        try await proxy.apply([route(port: port, [backend.backend])])
        let first = try await ProxyTestDatagramClient.open()
        let second = try await ProxyTestDatagramClient.open()

        try await first.send("in", to: port)
        #expect(await first.waitFor("a:in"))
        try await second.send("out", to: port)
        #expect(await eventually { routeStats(proxy)?.rejectedConnections == 1 })
        #expect(backend.receivedCount == 1)
        #expect(second.received.isEmpty)

        await first.close()
        await second.close()
        await proxy.shutdown()
        await backend.stop()
    }

    @Test func aTCPAndAUDPRouteShareOnePortNumber() async throws {
        let tcp = try await ProxyTestBackend.start("t")
        let udp = try await ProxyTestDatagramBackend.start("u")
        let proxy = makeProxy()
        let port = try freeLoopbackPort()
        let address = ProxyAddress(host: "127.0.0.1", port: port)
        try await proxy.apply([
            ProxyRoute(name: "s/dns:53", listeners: [address], backends: [tcp.backend]),
            ProxyRoute(name: "s/dns:53/udp", listeners: [address], backends: [udp.backend], transport: .udp),
        ])

        let connection = try await ProxyTestConnection.open(port: port)
        try await connection.send("stream")
        #expect(await connection.waitForText("stream"))
        let client = try await ProxyTestDatagramClient.open()
        try await client.send("datagram", to: port)
        #expect(await client.waitFor("u:datagram"))
        #expect(proxy.listeningAddresses() == [address])

        // Removing the UDP route closes only its listener.
        try await proxy.apply([ProxyRoute(name: "s/dns:53", listeners: [address], backends: [tcp.backend])])
        #expect(proxy.listenerDescriptor(address, transport: .udp) == nil)
        #expect(proxy.listenerDescriptor(address) != nil)

        await connection.close()
        await client.close()
        await proxy.shutdown()
        await tcp.stop()
        await udp.stop()
    }

    @Test func aUDPPortAlreadyTakenIsReported() async throws {
        let taken = try await ProxyTestDatagramBackend.start("other")
        let proxy = makeProxy()
        let error = await #expect(throws: AICoreError.self) {
            try await proxy.apply([route(port: taken.port, [])])
        }
        #expect(error?.message == "cannot listen on 127.0.0.1:\(taken.port)/udp: Address already in use")
        await proxy.shutdown()
        await taken.stop()
    }
}
