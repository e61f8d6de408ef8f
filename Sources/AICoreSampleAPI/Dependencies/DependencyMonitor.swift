import ServiceLifecycle

/// Checks the dependencies in the background, once a second: connections are retried while
/// PostgreSQL or Redis is down, the table is created as soon as PostgreSQL answers, and the
/// crash switch learns when the API first became ready even if nobody probes it.
struct DependencyMonitor: Service {
    let checker: DependencyChecker
    var period: Duration = .seconds(1)
    var clock: any Clock<Duration> = ContinuousClock()

    func run() async throws {
        // A graceful shutdown cancels the loop, its sleep included.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                _ = await checker.check()
                try? await clock.sleep(for: period)
            }
        }
    }
}
