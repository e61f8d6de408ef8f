import AICoreTestSupport

/// Runs `body`, then stops `servers` and removes `directories`, whether it threw or not: a
/// test's cleanup is awaited, not left to a task that may never run.
func cleaningUp<T>(
    _ directories: [TemporaryDirectory] = [], servers: [TestHTTPServer] = [], _ body: () async throws -> T
) async throws -> T {
    do {
        let result = try await body()
        for server in servers { await server.stop() }
        for directory in directories { await directory.remove() }
        return result
    } catch {
        for server in servers { await server.stop() }
        for directory in directories { await directory.remove() }
        throw error
    }
}
