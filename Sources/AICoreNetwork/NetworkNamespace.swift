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

    /// `run(in:)` for a caller that may block (the runtime's start, on a thread of its own):
    /// waits for the namespace's thread to end.
    public static func runBlocking(in descriptor: Int32, _ body: @escaping @Sendable () throws(AICoreError) -> Void) throws(AICoreError) {
        let outcome = Outcome()
        let ran = DetachedThread.runAndWait {
            let rc = aic_netns_enter(descriptor)
            guard rc == 0 else {
                outcome.failure = AICoreError(.systemCall, "cannot enter the network namespace: \(String(cString: strerror(-rc)))")
                return
            }
            do throws(AICoreError) {
                try body()
            } catch {
                outcome.failure = error
            }
        }
        guard ran else { throw AICoreError(.systemCall, "cannot start a thread for network namespace work") }
        if let failure = outcome.failure { throw failure }
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

    /// Runs `body` with a descriptor of the network namespace at `path` (a process's
    /// `/proc/PID/ns/net`), closed when it returns.
    public static func withOpened<T>(_ path: String, _ body: (Int32) async throws(AICoreError) -> T) async throws(AICoreError) -> T {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw AICoreError(.systemCall, "cannot open the network namespace \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        return try await body(fd)
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

/// How a waited-for namespace thread failed.
// @unchecked Sendable: `failure` is written only by that thread, before it ends, and read only
// after `runAndWait` has joined it (pthread_join orders the two); never by both at once.
private final class Outcome: @unchecked Sendable {
    var failure: AICoreError?
}
