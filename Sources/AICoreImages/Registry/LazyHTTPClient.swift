import AsyncHTTPClient
import Logging
import Synchronization

/// The registry client's HTTP client, made on its first request. An `HTTPClient` must be shut
/// down before it goes (AsyncHTTPClient stops the process otherwise), and most agents, and
/// every test that builds one, never pull: only a client that was made needs, and gets, a
/// shutdown.
final class LazyHTTPClient: Sendable {
    private let configuration: HTTPClient.Configuration
    private let logger: Logger
    private let state = Mutex<(client: HTTPClient?, closed: Bool)>((nil, false))

    init(configuration: HTTPClient.Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The client, made on first use; nil once `shutdown` ran.
    var client: HTTPClient? {
        state.withLock { state in
            if state.closed { return nil }
            if let client = state.client { return client }
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration,
                                    backgroundActivityLogger: logger)
            state.client = client
            return client
        }
    }

    func shutdown() async throws {
        let client = state.withLock { state -> HTTPClient? in
            state.closed = true
            defer { state.client = nil }
            return state.client
        }
        try await client?.shutdown()
    }
}
