import AICoreErrors
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The agent's side of the proxy process: `ProxyControl` over its control socket, so that
/// proxied connections outlive the agent (a restart, an upgrade, a kill -9).
///
/// `run()` makes sure a proxy process runs (`launch`), connects, and on every (re)connection
/// sends the full route list again before anything else, so a proxy that outlived an agent, or
/// a fresh one after a crash, serves what this agent wants. Until this agent has served routes
/// once it sends nothing: a proxy left by the previous agent keeps serving the old routes (and
/// their connections) until recovery has worked out the new ones.
///
/// The proxy's first line tells its control protocol (`ProxyHello`): a proxy this agent cannot
/// drive, left by another release, is replaced only while it carries no connection; until then it
/// serves on untouched and `serve` fails with the reason (`ProxyAdoption`).
///
/// `statistics()` is synchronous (drains poll it every 20 ms), so it reads the latest snapshot
/// the proxy pushed: after each change it applied, and whenever its counters moved, at most
/// `ProxyControlMessage.statsInterval` apart.
public final class ProxyProcessClient: ProxyControl, Service, Sendable {
    let controlPath: String
    let launch: @Sendable (Logger) async throws -> Void
    let stop: (@Sendable () async -> Void)?
    let retire: @Sendable () async -> Void
    let logger: Logger
    private let state = Mutex(State())

    typealias Waiter = CheckedContinuation<ProxyControlFailure?, Never>

    struct State {
        /// What this agent wants served (`updateBackends` kept in), once it served anything.
        var routes: [ServiceRoute]?
        var channel: (any Channel)?
        var nextID = 1
        /// `serve` calls sent, by message id.
        var pending: [Int: [Waiter]] = [:]
        /// `serve` calls made while not connected: answered by the next resync.
        var unsent: [Waiter] = []
        var stats: [ProxyRouteStats] = []
        var isShutdown = false
        /// Why the proxy connected to is not driven (`ProxyAdoption.keep`), while it is.
        var undriven: String?
    }

    /// - Parameters:
    ///   - launch: makes sure a proxy process serves `controlPath` (`ProxyProcessLauncher.ensureRunning`).
    ///   - stop: when set, run on graceful shutdown to stop the proxy process (`stop_workloads_on_exit`).
    ///   - retire: stops a proxy process this agent cannot drive, once it carries no connection;
    ///     `launch` then starts this build's.
    public init(controlPath: String, logger: Logger, launch: @escaping @Sendable (Logger) async throws -> Void,
                stop: (@Sendable () async -> Void)? = nil, retire: @escaping @Sendable () async -> Void = {}) {
        self.controlPath = controlPath
        self.logger = logger
        self.launch = launch
        self.stop = stop
        self.retire = retire
    }

    /// The agent's proxy process, started from this binary when none runs.
    public convenience init(launcher: ProxyProcessLauncher, stopOnExit: Bool, logger: Logger) {
        let launch: @Sendable (Logger) async throws -> Void = { logger in
            try await launcher.ensureRunning(logger: logger)
        }
        let stop: (@Sendable () async -> Void)? = stopOnExit ? { @Sendable in await launcher.stop() } : nil
        self.init(controlPath: launcher.controlPath, logger: logger, launch: launch, stop: stop,
                  retire: { await launcher.stop() })
    }

    // MARK: ProxyControl

    public func serve(_ routes: [ServiceRoute]) async throws {
        let failure = await withCheckedContinuation { (waiter: Waiter) in
            state.withLock { state in
                guard !state.isShutdown else {
                    waiter.resume(returning: ProxyControlFailure(AICoreError(.shutDown, "the agent is shutting down; routes not sent to the proxy")))
                    return
                }
                state.routes = routes
                if let undriven = state.undriven {
                    waiter.resume(returning: ProxyControlFailure(AICoreError(.unavailable, undriven)))
                } else if let channel = state.channel {
                    let id = state.nextID
                    state.nextID += 1
                    state.pending[id, default: []].append(waiter)
                    channel.send(.serve(id: id, routes: routes))
                } else {
                    state.unsent.append(waiter)
                }
            }
        }
        if let failure { throw failure.error }
    }

    public func updateBackends(_ route: String, _ backends: [ProxyBackend]) {
        state.withLock { state in
            guard let index = state.routes?.firstIndex(where: { $0.name == route }) else { return }
            state.routes?[index].backends = backends
            // After the `serve` that brought the route, on the same connection: the proxy applies
            // them in order.
            state.channel?.send(.update(route: route, backends: backends))
        }
    }

    public func statistics() -> [ProxyRouteStats] {
        state.withLock { $0.stats }
    }

    /// Asks the proxy for its counters and returns them once they arrived; the snapshot as it
    /// is while no proxy is connected.
    public func currentStatistics() async -> [ProxyRouteStats] {
        _ = await withCheckedContinuation { (waiter: Waiter) in
            state.withLock { state in
                guard !state.isShutdown, let channel = state.channel else {
                    waiter.resume(returning: nil)
                    return
                }
                let id = state.nextID
                state.nextID += 1
                state.pending[id, default: []].append(waiter)
                channel.send(.refresh(id: id))
            }
        }
        return statistics()
    }

    // MARK: Service

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.connectLoop()
        }
        let (channel, waiters) = state.withLock { state in
            state.isShutdown = true
            let waiters = state.unsent + state.pending.values.flatMap { $0 }
            state.unsent = []
            state.pending = [:]
            return (state.channel, waiters)
        }
        let failure = ProxyControlFailure(AICoreError(.shutDown, "the agent is shutting down; routes not sent to the proxy"))
        for waiter in waiters { waiter.resume(returning: failure) }
        try? await channel?.close()
        if let stop {
            await stop()
            logger.notice("stopped the proxy process")
        }
    }

    /// Connects, resyncs and reads until cancelled; reconnects (starting a proxy process when
    /// none runs) with a backoff of up to 2 s.
    private func connectLoop() async {
        var delay = Duration.milliseconds(50)
        while !Task.isCancelled {
            do {
                try await launch(logger)
                let (channel, lines) = try await connect()
                var incoming = lines.makeAsyncIterator()
                if let first = await incoming.next() {
                    let message = ProxyControlMessage.decode(first, warningTo: logger)
                    let peer = ProxyAdoption.Peer(firstMessage: message)
                    if ProxyAdoption.decide(peer, openConnections: nil) == .drive {
                        delay = .milliseconds(50)
                        if peer.version != AICoreVersion.current {
                            logger.notice("the proxy process runs \(peer.description); driven as it is",
                                          metadata: ["pid": "\(peer.pid.map(String.init) ?? "?")"])
                        }
                        resync(on: channel)
                        if case .stats = message { receive(first) }
                        while let line = await incoming.next() {
                            receive(line)
                        }
                        logger.warning("the proxy process closed its control connection; reconnecting")
                    } else if await awaitRetirement(of: peer, &incoming) {
                        try? await channel.close()
                        state.withLock { $0.undriven = nil }
                        await retire()
                        logger.notice("stopped the proxy process this agent cannot drive; starting its own")
                        delay = .milliseconds(50)
                        continue
                    }
                }
            } catch {
                logger.error("proxy process: \(error)")
                // Nothing will answer them soon: `serve` fails (and is logged by its caller); the
                // routes go out with the next resync all the same.
                let waiters = state.withLock { state in
                    defer { state.unsent = [] }
                    return state.unsent
                }
                let failure = ProxyControlFailure(AICoreError(.unavailable, "the proxy process is not reachable: \(error)"))
                for waiter in waiters { waiter.resume(returning: failure) }
            }
            state.withLock { state in
                state.channel = nil
                state.undriven = nil
                // Sent on a connection that is gone: the next resync answers them.
                state.unsent += state.pending.values.flatMap { $0 }
                state.pending = [:]
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(2))
        }
    }

    /// A proxy this agent cannot drive: reads its pushes (never writing to it) until it carries no
    /// connection (true: replace it) or the connection ends (false). Meanwhile `serve` fails with
    /// the reason, and `statistics()` shows its counters when they can be read.
    private func awaitRetirement(of peer: ProxyAdoption.Peer,
                                 _ incoming: inout AsyncStream<ByteBuffer>.AsyncIterator) async -> Bool {
        var open: Int?
        var warned = false
        while true {
            let decision = ProxyAdoption.decide(peer, openConnections: open)
            switch decision {
            case .drive:
                return false
            case let .replace(reason):
                logger.warning("\(reason): replacing it")
                return true
            case let .keep(reason):
                // Once loudly; then as its connections come and go.
                logger.log(level: warned ? .debug : .error, "\(reason)", metadata: ["pid": "\(peer.pid.map(String.init) ?? "?")"])
                warned = true
                let waiters = state.withLock { state in
                    state.undriven = reason
                    defer { state.unsent = [] }
                    return state.unsent
                }
                let failure = ProxyControlFailure(AICoreError(.unavailable, reason))
                for waiter in waiters { waiter.resume(returning: failure) }
            }
            // Until its open connections change. Pushes only, in whatever form that proxy has:
            // a `stats` this build can read counts.
            var now = open
            while now == open {
                guard let line = await incoming.next() else { return false }
                if let message = try? ProxyControlMessage.decode(line.readableBytesView), case let .stats(stats) = message {
                    state.withLock { $0.stats = stats }
                    now = stats.reduce(0) { $0 + $1.activeConnections }
                }
            }
            open = now
        }
    }

    private func connect() async throws -> (any Channel, AsyncStream<ByteBuffer>) {
        let (lines, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ProxyControlLineHandler(continuation))
                }
            }
            .connect(unixDomainSocketPath: controlPath)
            .get()
        return (channel, lines)
    }

    /// The first message on a connection: every route this agent wants, if it served any yet.
    private func resync(on channel: any Channel) {
        let count: Int? = state.withLock { state in
            state.channel = channel
            state.undriven = nil
            guard let routes = state.routes else {
                // Refreshes sent on a connection that went: nothing to wait for.
                for waiter in state.unsent { waiter.resume(returning: nil) }
                state.unsent = []
                return nil
            }
            let id = state.nextID
            state.nextID += 1
            state.pending[id] = state.unsent
            state.unsent = []
            channel.send(.serve(id: id, routes: routes))
            return routes.count
        }
        logger.info("connected to the proxy process", metadata: ["resent_routes": "\(count.map(String.init) ?? "none yet")"])
    }

    private func receive(_ line: ByteBuffer) {
        guard let message = ProxyControlMessage.decode(line, warningTo: logger) else { return }
        switch message {
        case let .served(id, failure):
            let waiters = state.withLock { $0.pending.removeValue(forKey: id) } ?? []
            for waiter in waiters { waiter.resume(returning: failure) }
        case let .stats(stats):
            state.withLock { $0.stats = stats }
        case .hello, .serve, .update, .refresh:
            logger.warning("the proxy process sent a message only the agent sends; ignored")
        }
    }
}
