import AICoreErrors
import AICoreTestSupport
import Foundation
import Logging
import NIOCore
import Synchronization
import Testing
@testable import AICoreServer

/// The agent's `ProxyControl` over the proxy process's control socket, against a real
/// `ProxyControlServer` and `ServiceProxy` in this process (the socket and TCP on 127.0.0.1).
@Suite struct ProxyProcessClientTests {
    /// A proxy as `aicore-node proxy` runs it: its control server runs until `stop()`.
    final class ProxyUnderTest: Sendable {
        let proxy: ServiceProxy
        let task: Task<Void, Never>

        private init(path: String, hello: ProxyHello) {
            let proxy = ServiceProxy(eventLoops: 1, logger: ServiceProxyTests.quiet)
            let server = ProxyControlServer(proxy: proxy, path: path, logger: ServiceProxyTests.quiet, hello: hello)
            self.proxy = proxy
            task = Task { try? await server.run() }
        }

        /// Returns once its socket is there, as the agent's launcher does.
        /// `hello`: what it says it is (another release's proxy, for the handshake's tests).
        static func start(path: String, hello: ProxyHello = .current) async throws -> ProxyUnderTest {
            let started = ProxyUnderTest(path: path, hello: hello)
            try await waitUntil("the proxy serves \(path)") { FileManager.default.fileExists(atPath: path) }
            return started
        }

        func stop() async {
            task.cancel()
            await task.value
            await proxy.shutdown()
        }
    }

    /// An agent's client, running until `stop()` (as the agent's ServiceGroup runs it).
    final class ClientUnderTest: Sendable {
        let client: ProxyProcessClient
        let task: Task<Void, Never>

        init(path: String, retire: @escaping @Sendable () async -> Void = {}) {
            let client = ProxyProcessClient(controlPath: path, logger: ServiceProxyTests.quiet, launch: { _ in }, retire: retire)
            self.client = client
            task = Task { try? await client.run() }
        }

        func stop() async {
            task.cancel()
            await task.value
        }
    }

    static func socketPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("proxy-\(UUID().uuidString.prefix(8)).sock").path
    }

    static func route(port: Int, _ backends: [ProxyBackend]) -> ServiceRoute {
        ServiceRoute(name: "s/api:3000", stack: "s", service: "api", target: 3000,
                     listeners: [ProxyAddress(host: "127.0.0.1", port: port)], backends: backends)
    }

    @Test func routesAndBackendChangesReachTheProxyAndItsCountersComeBack() async throws {
        let path = Self.socketPath()
        let one = try await ProxyTestBackend.start("api-1")
        let two = try await ProxyTestBackend.start("api-2")
        let proxy = try await ProxyUnderTest.start(path: path)
        let agent = ClientUnderTest(path: path)
        let port = try freeLoopbackPort()

        try await agent.client.serve([Self.route(port: port, [one.backend])])
        #expect(proxy.proxy.listeningAddresses() == [ProxyAddress(host: "127.0.0.1", port: port)])
        let connection = try await ProxyTestConnection.open(port: port)
        try await connection.send("ping")
        #expect(await connection.waitForText("ping"))
        #expect(await eventually { agent.client.statistics().first?.backend("api-1")?.activeConnections == 1 })
        // Asked for, counters are as of the call: the REST API shows what a client just did.
        let second = try await ProxyTestConnection.open(port: port)
        try await second.send("two")
        #expect(await second.waitForText("two"))
        #expect(await agent.client.currentStatistics().first?.totalConnections == 2)
        await second.close()

        agent.client.updateBackends("s/api:3000", [two.backend])
        #expect(await eventually { agent.client.statistics().first?.backend("api-2")?.inRotation == true })
        #expect(agent.client.statistics().first?.backend("api-1")?.inRotation == false)
        await connection.close()
        #expect(await eventually { agent.client.statistics().first?.backend("api-1") == nil }, "drained, then pruned")

        await agent.stop()
        await proxy.stop()
        await one.stop()
        await two.stop()
    }

    @Test func aServeThatCannotBindFailsWithTheProxysError() async throws {
        let path = Self.socketPath()
        let proxy = try await ProxyUnderTest.start(path: path)
        let agent = ClientUnderTest(path: path)
        let route = ServiceRoute(name: "s/api:3000", stack: "s", service: "api", target: 3000,
                                 listeners: [ProxyAddress(host: "not-an-ip", port: 3000)], backends: [])
        let error = await #expect(throws: AICoreError.self) { try await agent.client.serve([route]) }
        #expect(error?.code == .listenFailed)
        #expect(error?.message.contains("cannot listen on not-an-ip:3000") == true)
        await agent.stop()
        await proxy.stop()
    }

    @Test func aNewAgentKeepsTheProxysListenersAndOpenConnections() async throws {
        let path = Self.socketPath()
        let backend = try await ProxyTestBackend.start("api-1")
        let proxy = try await ProxyUnderTest.start(path: path)
        let port = try freeLoopbackPort()
        let first = ClientUnderTest(path: path)
        try await first.client.serve([Self.route(port: port, [backend.backend])])
        let connection = try await ProxyTestConnection.open(port: port)
        try await connection.send("a")
        #expect(await connection.waitForText("a"))

        // The agent goes; the proxy serves on, with nothing sent until the next agent knows its routes.
        await first.stop()
        let second = ClientUnderTest(path: path)
        try await connection.send("b")
        #expect(await connection.waitForText("ab"))
        #expect(await eventually { second.client.statistics().first?.activeConnections == 1 })

        // Its routes, sent again in full, keep the listener and the connection.
        try await second.client.serve([Self.route(port: port, [backend.backend])])
        try await connection.send("c")
        #expect(await connection.waitForText("abc"))
        #expect(!connection.peerFinished)
        let fresh = try await ProxyTestConnection.open(port: port)
        try await fresh.send("new")
        #expect(await fresh.waitForText("new"))

        await fresh.close()
        await connection.close()
        await second.stop()
        await proxy.stop()
        await backend.stop()
    }

    @Test func aClientSendsItsRoutesAgainToAProxyThatCameBack() async throws {
        let path = Self.socketPath()
        let backend = try await ProxyTestBackend.start("api-1")
        let port = try freeLoopbackPort()
        let crashed = try await ProxyUnderTest.start(path: path)
        let agent = ClientUnderTest(path: path)
        try await agent.client.serve([Self.route(port: port, [backend.backend])])
        await crashed.stop()

        let restarted = try await ProxyUnderTest.start(path: path)
        #expect(await eventually { restarted.proxy.listeningAddresses() == [ProxyAddress(host: "127.0.0.1", port: port)] },
                "the client reconnected and sent its routes")
        let connection = try await ProxyTestConnection.open(port: port)
        try await connection.send("back")
        #expect(await connection.waitForText("back"))

        await connection.close()
        await agent.stop()
        await restarted.stop()
        await backend.stop()
    }

    /// After an upgrade (or a downgrade) the agent may find a proxy speaking a protocol it does
    /// not: it sends it nothing while a connection runs through it, then replaces it.
    @Test func aProxyOfAnotherProtocolIsKeptWhileItCarriesAConnectionThenReplaced() async throws {
        let path = Self.socketPath()
        let backend = try await ProxyTestBackend.start("api-1")
        let port = try freeLoopbackPort()
        let route = Self.route(port: port, [backend.backend])
        let old = try await ProxyUnderTest.start(path: path, hello: ProxyHello(protocolVersion: 99, version: "9.9.0", pid: 4242))
        // What the previous agent, of its release, had it serve.
        try await old.proxy.apply([route.proxyRoute])
        let connection = try await ProxyTestConnection.open(port: port)
        try await connection.send("a")
        #expect(await connection.waitForText("a"))

        let replacement = Mutex<ProxyUnderTest?>(nil)
        let agent = ClientUnderTest(path: path) {
            // As the agent's launcher: stop it, then this build's proxy starts on the same socket.
            await old.stop()
            let started = try? await ProxyUnderTest.start(path: path)
            replacement.withLock { $0 = started }
        }
        let refused = await #expect(throws: AICoreError.self) { try await agent.client.serve([route]) }
        #expect(refused?.code == .unavailable)
        #expect(refused?.message.contains("aicore-node 9.9.0, control protocol 99") == true, "\(refused?.message ?? "")")
        #expect(refused?.message.contains("keeps serving its current routes") == true, "\(refused?.message ?? "")")
        #expect(await eventually { agent.client.statistics().first?.activeConnections == 1 }, "its counters are read")
        try await connection.send("b")
        #expect(await connection.waitForText("ab"), "the connection runs on")
        #expect(replacement.withLock { $0 } == nil, "not replaced while it carries a connection")

        await connection.close()
        #expect(await eventually(within: .seconds(10)) {
            replacement.withLock { $0 }?.proxy.listeningAddresses() == [ProxyAddress(host: "127.0.0.1", port: port)]
        }, "replaced once idle, and the new proxy got the agent's routes")
        let fresh = try await ProxyTestConnection.open(port: port)
        try await fresh.send("new")
        #expect(await fresh.waitForText("new"))

        await fresh.close()
        await agent.stop()
        await replacement.withLock { $0 }?.stop()
        await backend.stop()
    }
}
