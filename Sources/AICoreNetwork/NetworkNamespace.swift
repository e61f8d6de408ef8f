import AICoreErrors
import AICoreSystem
import CAICoreShim

#if canImport(Glibc)
import Glibc
#endif

/// Work in a network namespace other than the agent's. The network namespace is a property of
/// a thread, so each call runs on an OS thread of its own that enters the namespace first and
/// ends with the work: no thread of a shared pool ever changes namespace.
public enum NetworkNamespace {
    /// Runs `body` inside the namespace `descriptor` refers to (an open `/proc/<pid>/ns/net`).
    public static func run<T: Sendable>(in descriptor: Int32, _ body: @escaping @Sendable () throws(AICoreError) -> T) async throws(AICoreError) -> T {
        try await onOwnThread { () throws(AICoreError) -> T in
            let rc = aic_netns_enter(descriptor)
            guard rc == 0 else {
                throw AICoreError(.systemCall, "cannot enter the network namespace: \(String(cString: strerror(-rc)))")
            }
            return try body()
        }
    }

    /// Runs `body` in a new, empty network namespace (loopback only, down) that ends when the
    /// thread does, unless something keeps it: an open `/proc/thread-self/ns/net` (`open()`
    /// inside `body`), or a process in it.
    public static func runInNew<T: Sendable>(_ body: @escaping @Sendable () throws(AICoreError) -> T) async throws(AICoreError) -> T {
        try await onOwnThread { () throws(AICoreError) -> T in
            let rc = aic_netns_unshare()
            guard rc == 0 else {
                throw AICoreError(.systemCall, "cannot make a network namespace: \(String(cString: strerror(-rc)))")
            }
            return try body()
        }
    }

    /// A descriptor of the calling thread's network namespace (close it when done).
    public static func openCurrent() throws(AICoreError) -> Int32 {
        let fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw AICoreError(.systemCall, "cannot open this thread's network namespace: \(String(cString: strerror(errno)))")
        }
        return fd
    }

    private static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws(AICoreError) -> T) async throws(AICoreError) -> T {
        let result: Result<T, AICoreError> = await withCheckedContinuation { continuation in
            let started = DetachedThread.start {
                continuation.resume(returning: Result { () throws(AICoreError) -> T in try body() })
            }
            if !started {
                continuation.resume(returning: .failure(AICoreError(.systemCall, "cannot start a thread for network namespace work")))
            }
        }
        return try result.get()
    }
}
