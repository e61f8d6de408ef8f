import Synchronization

/// Calls `action` once, when `count` parts have arrived (recovery done, each socket bound).
final class ReadinessLatch: Sendable {
    private let remaining: Mutex<Int>
    private let action: @Sendable () -> Void

    init(waitingFor count: Int, action: @escaping @Sendable () -> Void) {
        remaining = Mutex(count)
        self.action = action
    }

    func arrive() {
        let fire = remaining.withLock { remaining -> Bool in
            remaining -= 1
            return remaining == 0
        }
        if fire { action() }
    }
}
