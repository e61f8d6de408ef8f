import AICoreTestSupport
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOSSL
import Synchronization
import Testing
@testable import AICoreServer

/// The agent's TCP endpoint does not let clients that never finish hold it: idle and
/// handshake deadlines, and a cap on open connections. Real sockets on 127.0.0.1.
@Suite struct GuardedServerTests {
    /// Runs an application with `GuardedServer` on an ephemeral port of 127.0.0.1 for `body`.
    static func withServer(tls: TLSConfiguration? = nil, limits: TCPLimits,
                           _ body: @Sendable (Int) async throws -> Void) async throws {
        let router = Router()
        router.get("ping") { _, _ in "pong" }
        let port = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "aicore.test.tcp")
        logger.logLevel = .critical  // the server's task is cancelled at the end, which it logs as an error
        let app = Application(router: router, server: GuardedServer.builder(tls: tls, limits: limits),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  port.continuation.yield(channel.localAddress?.port ?? 0)
                                  port.continuation.finish()
                              },
                              logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var ports = port.stream.makeAsyncIterator()
            let bound = try #require(await ports.next())
            do {
                try await body(bound)
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }

    static let ping = "GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

    @Test func aClientThatSendsNothingIsClosedAfterTheIdleTimeout() async throws {
        try await Self.withServer(limits: TCPLimits(idleTimeout: .milliseconds(200), maxConnections: 8)) { port in
            let silent = try await ProxyTestConnection.open(port: port)
            defer { Task { await silent.close() } }
            #expect(await silent.waitUntilPeerFinished(), "an idle connection stays open")
            #expect(silent.receivedCount == 0)
        }
    }

    @Test func connectionsBeyondTheCapAreClosedAndTheOthersServed() async throws {
        try await Self.withServer(limits: TCPLimits(idleTimeout: .seconds(120), maxConnections: 2)) { port in
            let first = try await ProxyTestConnection.open(port: port)
            let second = try await ProxyTestConnection.open(port: port)
            // Both are accepted and served before the third comes.
            for connection in [first, second] {
                try await connection.send(Self.ping)
                #expect(await eventually { connection.text.hasPrefix("HTTP/1.1 200 OK") && connection.text.hasSuffix("pong") },
                        "\(connection.text)")
            }
            let third = try await ProxyTestConnection.open(port: port)
            #expect(await third.waitUntilPeerFinished(), "a connection beyond the cap stays open")
            #expect(third.receivedCount == 0)
            #expect(!first.peerFinished && !second.peerFinished)

            // A place that frees up is taken again.
            await first.close()
            #expect(await eventually {
                guard let next = try? await ProxyTestConnection.open(port: port) else { return false }
                defer { Task { await next.close() } }
                try? await next.send(Self.ping)
                return await eventually { next.text.hasSuffix("pong") || next.peerFinished } && next.text.hasSuffix("pong")
            })
            await second.close()
            await third.close()
        }
    }

    @Test func aTLSClientThatNeverFinishesItsHandshakeIsClosed() async throws {
        let directory = NSTemporaryDirectory() + "aicore-tls-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let certificate = directory + "/agent.crt", key = directory + "/agent.key"
        let made = try await offload {
            try ChildProcess.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                                                      "-subj", "/CN=aicore-test", "-keyout", key, "-out", certificate])
        }
        try #require(made.status == 0, "openssl: \(made.stderr)")
        let tls = try #require(try AgentTLS.serverConfiguration(certificate: certificate, key: key, listening: true))
        // The idle timeout is long: only the handshake deadline can close it.
        try await Self.withServer(tls: tls, limits: TCPLimits(idleTimeout: .seconds(120), handshakeTimeout: .milliseconds(200))) { port in
            let silent = try await ProxyTestConnection.open(port: port)
            defer { Task { await silent.close() } }
            #expect(await silent.waitUntilPeerFinished(), "a client that never starts TLS stays connected")
            // Half a ClientHello, then nothing.
            let partial = try await ProxyTestConnection.open(port: port)
            defer { Task { await partial.close() } }
            try await partial.send([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])
            #expect(await partial.waitUntilPeerFinished(), "a client that stops mid-handshake stays connected")
        }
    }
}
