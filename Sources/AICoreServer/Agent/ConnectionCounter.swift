import Synchronization

/// The open connections of one listener.
final class ConnectionCounter: Sendable {
    private let open = Mutex(0)

    /// Takes a place; false when `limit` are taken.
    func acquire(limit: Int) -> Bool {
        open.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func release() {
        open.withLock { $0 -= 1 }
    }
}
