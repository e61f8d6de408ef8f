import Synchronization

/// The live fault settings, shared by the middleware, the routes and the background services.
public final class FaultSwitches: Sendable {
    private struct State {
        var settings: FaultSettings
        /// When the crash timer was (re)armed: start-up for the environment, or the `PUT /fault`.
        var crashArmedAt: ContinuousClock.Instant
        var leakedMegabytes: Int = 0
    }

    private let state: Mutex<State>

    public init(_ settings: FaultSettings, now: ContinuousClock.Instant = .now) {
        state = Mutex(State(settings: settings, crashArmedAt: now))
    }

    public var current: FaultSettings { state.withLock { $0.settings } }

    public var leakedMegabytes: Int { state.withLock { $0.leakedMegabytes } }

    var crashArmedAt: ContinuousClock.Instant { state.withLock { $0.crashArmedAt } }

    /// Applies a patch; a new `crash_after` re-arms the crash timer from `now`.
    @discardableResult
    public func apply(_ patch: FaultPatch, now: ContinuousClock.Instant = .now) -> FaultSettings {
        state.withLock { state in
            state.settings = patch.applied(to: state.settings)
            if patch.crashAfterSeconds != nil { state.crashArmedAt = now }
            return state.settings
        }
    }

    func recordLeak(megabytes: Int) {
        state.withLock { $0.leakedMegabytes += megabytes }
    }
}
