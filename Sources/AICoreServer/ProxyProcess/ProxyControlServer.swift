import AICoreErrors
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The control socket of `aicore-node proxy`: applies what the agent sends to `proxy` and pushes
/// its counters back (see `ProxyControlMessage`). The socket is 0600: only root may drive it.
///
/// An agent that goes away (killed, restarted) changes nothing here: listeners and connections
/// stay as they are until the next agent connects and sends its routes, and `ServiceProxy.apply`
/// keeps every listener, route and open connection that is still wanted.
public final class ProxyControlServer: Service, Sendable {
    let proxy: ServiceProxy
    let path: String
    let logger: Logger
    /// What it says first on each connection (a test plays another release with it).
    let hello: ProxyHello
    /// Applies one connection's messages in order; the pusher goes in a task beside it.
    private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])

    public init(proxy: ServiceProxy, path: String, logger: Logger, hello: ProxyHello = .current) {
        self.hello = hello
        self.proxy = proxy
        self.path = path
        self.logger = logger
    }

    public func run() async throws {
        let (accepted, acceptedContinuation) = AsyncStream.makeStream(of: (any Channel, AsyncStream<ByteBuffer>).self)
        let server: any Channel
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let (lines, linesContinuation) = AsyncStream.makeStream(of: ByteBuffer.self)
                        try channel.pipeline.syncOperations.addHandler(ProxyControlLineHandler(linesContinuation))
                        acceptedContinuation.yield((channel, lines))
                    }
                }
                .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true)
                .get()
            guard chmod(path, 0o600) == 0 else {
                throw AICoreError(.systemCall, "cannot make \(path) root-only: \(String(cString: strerror(errno)))")
            }
        } catch {
            throw AICoreError(.listenFailed, "cannot serve the proxy control socket \(path): \(error)", cause: error)
        }
        logger.notice("proxy ready", metadata: ["control": "\(path)", "pid": "\(getpid())"])
        await withDiscardingTaskGroup { group in
            group.addTask {
                try? await gracefulShutdown()
                try? await server.close()
                acceptedContinuation.finish()
            }
            for await (channel, lines) in accepted {
                group.addTask { await self.handle(channel, lines) }
            }
            let open = connections.withLock { Array($0.values) }
            for channel in open { channel.close(promise: nil) }
        }
        unlink(path)
    }

    /// One agent's connection: its messages in order, and stats pushed when they move.
    private func handle(_ channel: any Channel, _ lines: AsyncStream<ByteBuffer>) async {
        let key = ObjectIdentifier(channel)
        connections.withLock { $0[key] = channel }
        defer { _ = connections.withLock { $0.removeValue(forKey: key) } }
        logger.info("agent connected")
        // First, before any push: the agent decides from it whether it can drive this proxy.
        channel.send(.hello(hello))
        await withDiscardingTaskGroup { group in
            group.addTask { [proxy] in
                var last: [ProxyRouteStats]?
                while !Task.isCancelled {
                    let now = proxy.stats()
                    if now != last {
                        channel.send(.stats(now))
                        last = now
                    }
                    try? await Task.sleep(for: ProxyControlMessage.statsInterval)
                }
            }
            for await line in lines {
                await apply(line, on: channel)
            }
            group.cancelAll()
        }
        try? await channel.close()
        logger.info("agent disconnected; serving on as before")
    }

    private func apply(_ line: ByteBuffer, on channel: any Channel) async {
        guard let message = ProxyControlMessage.decode(line, warningTo: logger) else { return }
        switch message {
        case let .serve(id, routes):
            var failure: ProxyControlFailure?
            do {
                try await proxy.apply(routes.map(\.proxyRoute))
            } catch {
                failure = ProxyControlFailure(error)
            }
            channel.send(.stats(proxy.stats()))
            channel.send(.served(id: id, error: failure))
        case let .update(route, backends):
            proxy.setBackends(route, backends)
            channel.send(.stats(proxy.stats()))
        case let .refresh(id):
            channel.send(.stats(proxy.stats()))
            channel.send(.served(id: id, error: nil))
        case .hello, .served, .stats:
            logger.warning("the agent sent a message only the proxy sends; ignored")
        }
    }
}
