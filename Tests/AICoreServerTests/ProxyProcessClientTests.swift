import AICoreErrors
import AICoreTestSupport
import Foundation
import Logging
import NIOCore
import Testing
@testable import AICoreServer

/// The agent's `ProxyControl` over the proxy process's control socket, against a real
/// `ProxyControlServer` and `ServiceProxy` in this process (the socket and TCP on 127.0.0.1).
@Suite struct ProxyProcessClientTests {
    /// A proxy as `aicore-node proxy` runs it: its control server runs until `stop()`.
    final class ProxyUnderTest: Sendable {
        let proxy: ServiceProxy
        let task: Task<Void, Never>

        private init(path: String) {
            let proxy = ServiceProxy(eventLoops: 1, logger: ServiceProxyTests.quiet)
            let server = ProxyControlServer(proxy: proxy, path: path, logger: ServiceProxyTests.quiet)
            self.proxy = proxy
            task = Task { try? await server.run() }
        }

        /// Returns once its socket is there, as the agent's launcher does.
        static func start(path: String) async throws -> ProxyUnderTest {
            let started = ProxyUnderTest(path: path)
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

        init(path: String) {
            let client = ProxyProcessClient(controlPath: path, logger: ServiceProxyTests.quiet, launch: { _ in })
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
}
