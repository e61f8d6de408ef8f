import Dispatch

/// Runs blocking work (waitpid, a child's whole run, polling with sleeps) on a Dispatch thread,
/// so that the tests' cooperative threads stay free. On a 2-core machine Swift Testing has two
/// of them; a synchronous test that runs for a minute would stall every async test meanwhile.
public func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try body() })
        }
    }
}
