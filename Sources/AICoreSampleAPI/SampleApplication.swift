import Hummingbird
import Logging
import ServiceLifecycle

/// The sample API: the HTTP server, the PostgreSQL pool, the Redis client and the background
/// services of the fault switches, in one ServiceGroup that SIGTERM and SIGINT shut down
/// gracefully (stop accepting, finish in-flight requests, exit 0).
public struct SampleApplication: Sendable {
    public let configuration: SampleConfiguration
    let logger: Logger

    public init(configuration: SampleConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        let identity = InstanceIdentity.current()
        var logger = logger
        logger[metadataKey: "instance"] = "\(identity.hostname)"
        logger[metadataKey: "pid"] = "\(identity.pid)"
        let store = RequestStore(url: configuration.database, logger: logger)
        let redis = RedisClient(url: configuration.redis, logger: logger)
        let faults = FaultSwitches(configuration.faults)
        let readiness = ReadinessState()
        let checker = DependencyChecker(store: store, redis: redis, faults: faults, readiness: readiness, logger: logger)
        let router = SampleRouter(
            configuration: configuration, identity: identity, checker: checker, faults: faults,
            requestLogger: self.logger
        ).build()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            services: [
                store.client,
                DependencyMonitor(checker: checker),
                CrashTimer(faults: faults, readiness: readiness, logger: logger),
                MemoryLeaker(faults: faults, logger: logger),
            ],
            logger: logger
        )
        logger.info(
            "aicore-sample-api \(configuration.version) starting",
            metadata: [
                "postgres": "\(configuration.database.host):\(configuration.database.port)",
                "redis": "\(configuration.redis.host):\(configuration.redis.port)",
                "faults": "\(configuration.faults)",
            ])
        var groupConfiguration = ServiceGroupConfiguration(
            services: [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // A hung request never finishes: bound the graceful part, then cancel.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(20)
        groupConfiguration.maximumCancellationDuration = .seconds(5)
        try await ServiceGroup(configuration: groupConfiguration).run()
        await redis.close()
        await store.close()
        logger.info("stopped")
    }
}
