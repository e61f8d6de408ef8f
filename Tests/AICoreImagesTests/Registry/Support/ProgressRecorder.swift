import Synchronization

/// What a download's progress callback was told, in order.
final class ProgressRecorder: Sendable {
    private let calls = Mutex<[(UInt64, UInt64)]>([])

    func record(_ done: UInt64, _ total: UInt64) {
        calls.withLock { $0.append((done, total)) }
    }

    var first: (UInt64, UInt64)? { calls.withLock { $0.first } }
    var last: (UInt64, UInt64)? { calls.withLock { $0.last } }
}
