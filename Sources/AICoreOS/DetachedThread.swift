import CAICoreShim

#if canImport(Glibc)
import Glibc
#endif

/// OS threads of the agent's own, outside Swift's pools: the epoll loops of the exit monitor and
/// the check scheduler, and `BlockingWork`'s workers. Each runs one closure, detached.
public enum DetachedThread {
    /// false when no thread could be made; `body` is then dropped without running.
    public static func start(_ body: sending @escaping () -> Void) -> Bool {
        let box = Unmanaged.passRetained(Body(body))
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, box.toOpaque())
        guard rc == 0 else {
            box.release()
            return false
        }
        pthread_detach(thread)
        return true
    }

    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }
}

/// Wakes an epoll loop from another thread: a non-blocking pipe whose read end is in the loop's
/// epoll set under `id`.
struct WakePipe: Sendable {
    let readEnd: Int32
    let writeEnd: Int32

    init(registeringIn epfd: Int32, as id: UInt64) {
        var fds: [Int32] = [-1, -1]
        if aic_pipe_cloexec(&fds) == 0 {
            _ = fcntl(fds[0], F_SETFL, O_NONBLOCK)
            _ = fcntl(fds[1], F_SETFL, O_NONBLOCK)
            _ = aic_epoll_add(epfd, fds[0], id)
        }
        readEnd = fds[0]
        writeEnd = fds[1]
    }

    func wake() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Empties the pipe (the loop woke for it).
    func drain() {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer in
            while read(readEnd, buffer.baseAddress, buffer.count) > 0 {}
        }
    }
}
