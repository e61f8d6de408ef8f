/// Polls `condition` until it holds or `limit` passes, and says whether it held: how a test waits
/// for something another thread or process does, never with a fixed sleep. Every wait has the
/// same bound: generous, because these 2-core machines are shared and a loaded run is slow, and
/// it costs time only when the test is failing anyway.
public func eventually(within limit: Duration = .seconds(120), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let end = clock.now + limit
    var interval = Duration.milliseconds(1)
    while clock.now < end {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
        // Soon at first (most conditions hold within milliseconds), then gentler on the CPU.
        interval = min(interval * 2, .milliseconds(100))
    }
    return try await condition()
}

/// `eventually`, for a test that cannot go on without the condition: throws, naming `what`.
public func waitUntil(_ what: String, within limit: Duration = .seconds(120),
                      _ condition: () async throws -> Bool) async throws {
    guard try await eventually(within: limit, condition) else { throw TimedOut(what: what, limit: limit) }
}

/// A wait that ran out of time.
public struct TimedOut: Error, CustomStringConvertible {
    public var what: String
    public var limit: Duration
    public var description: String { "timed out after \(limit) waiting until \(what)" }
}
