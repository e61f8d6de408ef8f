import ServiceLifecycle

extension ServiceProxy: Service {
    /// Serves until the service group shuts down gracefully (or the task is cancelled), then
    /// closes every listener and connection. Routes come from `apply`, called by the controller.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }
}
