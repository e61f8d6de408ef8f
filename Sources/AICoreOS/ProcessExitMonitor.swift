import CAICoreShim
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Exit notification for pidfds without polling: one dedicated thread sleeps in epoll_wait on
/// every registered pidfd (a pidfd becomes readable when its process exits) and resumes the
/// awaiting task. Nothing blocks an actor or the cooperative pool. Any other descriptor can be
/// awaited the same way (`waitUntilReadable`): the exec channel's sockets are.
public final class ProcessExitMonitor: Sendable {
    public static let shared = ProcessExitMonitor()

    private struct State {
        var started = false
        var nextID: UInt64 = 1
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let epfd: Int32
    private let state = Mutex(State())

    private init() {
        epfd = aic_epoll_create()
    }

    /// Returns once the process behind `pidfd` has exited. Returns at once if it already has.
    /// On task cancellation it returns early too; callers check `hasExited`.
    public func waitForExit(_ pidfd: PIDFD) async {
        if pidfd.hasExited { return }
        await waitUntilReadable(pidfd.fd)
    }

    /// Returns once `fd` polls readable (data, EOF or an error: a pidfd's process exited, a
    /// socket's peer wrote or left). On task cancellation it returns early too, and it may
    /// return spuriously: callers re-check. One waiter per descriptor at a time.
    public func waitUntilReadable(_ fd: Int32) async {
        let id = state.withLock { s -> UInt64 in
            defer { s.nextID += 1 }
            return s.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let startThread = state.withLock { s -> Bool in
                    s.waiters[id] = continuation
                    defer { s.started = true }
                    return !s.started
                }
                if startThread { startLoop() }
                if aic_epoll_add_oneshot(epfd, fd, id) != 0 {
                    // Cannot watch it (EEXIST from a concurrent waiter, or no epoll): fall back
                    // to resuming now; the caller re-checks and, at worst, waits again.
                    resume(id)
                }
            }
        } onCancel: {
            resume(id)
        }
        _ = aic_epoll_del(epfd, fd)
    }

    private func resume(_ id: UInt64) {
        let c = state.withLock { $0.waiters.removeValue(forKey: id) }
        c?.resume()
    }

    private func startLoop() {
        let box = Unmanaged.passRetained(LoopBox(monitor: self))
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let box = Unmanaged<LoopBox>.fromOpaque(raw).takeRetainedValue()
            box.monitor.loop()
            return nil
        }, box.toOpaque())
        if rc == 0 {
            pthread_detach(thread)
        } else {
            box.release()
        }
    }

    private func loop() {
        var ids = [UInt64](repeating: 0, count: 64)
        while true {
            let n = ids.withUnsafeMutableBufferPointer { aic_epoll_wait_ids(epfd, $0.baseAddress, Int32($0.count)) }
            if n < 0 { return }
            for i in 0..<Int(n) { resume(ids[i]) }
        }
    }
}

private final class LoopBox {
    let monitor: ProcessExitMonitor
    init(monitor: ProcessExitMonitor) { self.monitor = monitor }
}
