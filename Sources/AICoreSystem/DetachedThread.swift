#if canImport(Glibc)
import Glibc
#endif

/// OS threads of the agent's own, outside Swift's pools: `EpollLoop`'s, `BlockingWork`'s
/// workers, and network namespace work. Each runs one closure, detached or waited for.
public enum DetachedThread {
    /// false when no thread could be made; `body` is then dropped without running.
    public static func start(_ body: sending @escaping () -> Void) -> Bool {
        guard let thread = spawn(body) else { return false }
        pthread_detach(thread)
        return true
    }

    /// Runs `body` on an OS thread of its own and waits for it to end (work that must not run
    /// on a shared thread, such as entering a namespace, from a caller that may block). false
    /// when no thread could be made; `body` is then dropped without running.
    public static func runAndWait(_ body: sending @escaping () -> Void) -> Bool {
        guard let thread = spawn(body) else { return false }
        pthread_join(thread, nil)
        return true
    }

    private static func spawn(_ body: sending @escaping () -> Void) -> pthread_t? {
        let box = Unmanaged.passRetained(Body(body))
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, box.toOpaque())
        guard rc == 0 else {
            box.release()
            return nil
        }
        return thread
    }

    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }
}
