#if canImport(Glibc)
import Glibc
#endif

/// OS threads of the agent's own, outside Swift's pools: `EpollLoop`'s, and `BlockingWork`'s
/// workers. Each runs one closure, detached.
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
