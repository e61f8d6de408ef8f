import Dispatch

/// Runs blocking work (waitpid, a child's whole run) on a Dispatch thread, so the tests'
/// cooperative threads stay free for the async HTTP client.
func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try body() })
        }
    }
}

/// Polls `condition` until it holds or the deadline passes; never a fixed sleep.
func eventually(
    within deadline: Duration = .seconds(20), every interval: Duration = .milliseconds(50),
    _ condition: () async -> Bool
) async -> Bool {
    let clock = ContinuousClock()
    let end = clock.now + deadline
    while clock.now < end {
        if await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return await condition()
}
