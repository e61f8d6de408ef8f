import CAICoreShim
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Exit notification for pidfds without polling: `EpollLoop`'s thread sleeps in epoll_wait on
/// every registered pidfd (a pidfd becomes readable when its process exits) and resumes the
/// awaiting task. Nothing blocks an actor or the cooperative pool. Any other descriptor can be
/// awaited the same way (`waitUntilReadable`), with a deadline kept by the same thread: the exec
/// channel's sockets are, 500 a second with 500 health-checked instances, and a Task sleeping
/// beside each would cost more than the wait itself.
public final class ProcessExitMonitor: EpollClient, Sendable {
    public static let shared = ProcessExitMonitor()

    private struct State {
        var started = false
        var nextID: UInt64 = 1
        var waiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
        /// The waiters that have a deadline: few at a time (checks take milliseconds).
        var deadlines: [UInt64: ContinuousClock.Instant] = [:]
        /// When the loop wakes up by itself at the latest; nil = only for an event.
        var loopWakesAt: ContinuousClock.Instant?
        /// The latest deadline ever registered: while deadlines keep coming, the loop ticks
        /// every `tick` even with none pending, so that a new one (usually a second or more
        /// away) needs no wake-up write of its own.
        var lastDeadline: ContinuousClock.Instant?
    }

    private static let tick = Duration.milliseconds(250)

    private let loop = EpollLoop.shared
    private let state = Mutex(State())

    private init() {}

    /// Returns once the process behind `pidfd` has exited. Returns at once if it already has.
    /// On task cancellation it returns early too; callers check `hasExited`.
    public func waitForExit(_ pidfd: PIDFD) async {
        if pidfd.hasExited { return }
        _ = await waitUntilReadable(pidfd.fd)
    }

    /// Returns true once `fd` polls readable (data, EOF or an error: a pidfd's process exited, a
    /// socket's peer wrote or left), false once `deadline` passed first. On task cancellation it
    /// returns early (true), and it may return spuriously: callers re-check. One waiter per
    /// descriptor at a time.
    public nonisolated(nonsending) func waitUntilReadable(_ fd: Int32, until deadline: ContinuousClock.Instant? = nil) async -> Bool {
        let id = state.withLock { s -> UInt64 in
            defer { s.nextID += 1 }
            return s.nextID
        }
        let readable = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let (startThread, wake) = state.withLock { s -> (Bool, Bool) in
                    s.waiters[id] = continuation
                    var wake = false
                    if let deadline {
                        s.deadlines[id] = deadline
                        if s.lastDeadline.map({ deadline > $0 }) ?? true { s.lastDeadline = deadline }
                        // The loop must come back for this deadline if it sleeps past it.
                        if s.started, s.loopWakesAt.map({ deadline < $0 }) ?? true {
                            s.loopWakesAt = deadline
                            wake = true
                        }
                    }
                    defer { s.started = true }
                    return (!s.started, wake)
                }
                if startThread { loop.attach(self, at: .processExits) }
                if wake { loop.wake() }
                if Task.isCancelled || loop.add(fd, token: id, for: .processExits, oneshot: true) != 0 {
                    // Cancelled before the waiter was registered (onCancel found nothing to
                    // resume), or cannot watch it (EEXIST from a concurrent waiter, or no epoll):
                    // resume now; the caller re-checks and, at worst, waits again.
                    resume(id, readable: true)
                }
            }
        } onCancel: {
            resume(id, readable: true)
        }
        loop.remove(fd)
        return readable
    }

    private func resume(_ id: UInt64, readable: Bool) {
        let continuation = state.withLock { s in
            s.deadlines.removeValue(forKey: id)
            return s.waiters.removeValue(forKey: id)
        }
        continuation?.resume(returning: readable)
    }

    // MARK: on the loop's thread

    func ready(_ tokens: ArraySlice<UInt64>) {
        for id in tokens { resume(id, readable: true) }
    }

    func turn(now: Int64) -> Int64? {
        let (expired, sleep) = expireDeadlines()
        for id in expired { resume(id, readable: false) }
        return sleep.map { now + $0.clampedNanoseconds }
    }

    /// Waiters whose deadline passed, and how long the loop may sleep (nil = no limit).
    private func expireDeadlines() -> ([UInt64], Duration?) {
        state.withLock { s in
            let now = ContinuousClock.now
            guard !s.deadlines.isEmpty else {
                guard let last = s.lastDeadline, now < last + .seconds(10) else {
                    s.loopWakesAt = nil
                    return ([], nil)
                }
                s.loopWakesAt = now + Self.tick
                return ([], Self.tick)
            }
            var expired: [UInt64] = []
            var next: ContinuousClock.Instant?
            for (id, deadline) in s.deadlines {
                if deadline <= now {
                    expired.append(id)
                } else if next.map({ deadline < $0 }) ?? true {
                    next = deadline
                }
            }
            s.loopWakesAt = next
            guard let next else { return (expired, nil) }
            return (expired, now.duration(to: next))
        }
    }
}
