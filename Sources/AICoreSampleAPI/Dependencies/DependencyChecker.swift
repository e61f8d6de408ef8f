import Logging
import Synchronization

/// Checks PostgreSQL (`SELECT 1`) and Redis (`PING`) for real, each within a timeout, and keeps
/// the table created once PostgreSQL answers.
public final class DependencyChecker: Sendable {
    public let store: RequestStore
    public let redis: RedisClient
    public let faults: FaultSwitches
    public let readiness: ReadinessState
    let timeout: Duration
    private let schemaReady = Mutex(false)
    private let logger: Logger

    public init(
        store: RequestStore, redis: RedisClient, faults: FaultSwitches, readiness: ReadinessState,
        timeout: Duration = .seconds(1), logger: Logger
    ) {
        self.store = store
        self.redis = redis
        self.faults = faults
        self.readiness = readiness
        self.timeout = timeout
        self.logger = logger
    }

    /// Runs both checks concurrently, records the report and logs a change of state.
    public func check() async -> ReadinessReport {
        async let postgres = measure("postgres") { [self] in
            try await store.ping()
            try await ensureSchema()
        }
        async let redisCheck = measure("redis") { [redis] in try await redis.ping() }
        let report = ReadinessReport(
            postgres: await postgres, redis: await redisCheck, neverReady: faults.current.neverReady)
        // Cut short by a shutdown: not a fact about the dependencies.
        if Task.isCancelled { return report }
        let previous = readiness.record(report)
        if previous?.status != report.status || previous?.reason != report.reason {
            if report.isReady {
                logger.info("ready: postgres and redis answer")
            } else {
                logger.warning("not ready: \(report.reason ?? "unknown")")
            }
        }
        return report
    }

    /// Creates the `requests` table once; later calls return at once.
    public func ensureSchema() async throws {
        if schemaReady.withLock({ $0 }) { return }
        try await withDeadline(timeout, "postgres CREATE TABLE") { [store] in try await store.ensureSchema() }
        schemaReady.withLock { $0 = true }
    }

    private func measure(_ name: String, _ body: @escaping @Sendable () async throws -> Void) async -> DependencyCheck {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            try await withDeadline(timeout, "\(name) check", operation: body)
            return DependencyCheck(ok: true, milliseconds: Int((clock.now - start).milliseconds))
        } catch {
            return DependencyCheck(ok: false, error: ErrorDescription.line(error), milliseconds: Int((clock.now - start).milliseconds))
        }
    }
}
