#if canImport(Glibc)
import Glibc
#endif

/// Runs bounded blocking work (cgroup writes, clone3 and the child's setup report) on a fresh
/// OS thread, so that it never holds an actor or a thread of the cooperative pool.
public enum BlockingWork {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }
            let box = Unmanaged.passRetained(job)
            var thread = pthread_t()
            let rc = pthread_create(&thread, nil, { raw in
                guard let raw else { return nil }
                Unmanaged<Job>.fromOpaque(raw).takeRetainedValue().body()
                return nil
            }, box.toOpaque())
            if rc == 0 {
                pthread_detach(thread)
            } else {
                // No thread to be had: do it here rather than fail.
                box.takeRetainedValue().body()
            }
        }
    }

    // Holds the closure across the pthread_create boundary; used by exactly one thread.
    private final class Job {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }
}
