#if canImport(Glibc)
import Glibc
#endif

/// Runs bounded blocking work (cgroup writes, clone3 and the child's setup report) on an OS
/// thread of its own, so that it never holds an actor or a thread of the cooperative pool.
///
/// The threads are reused: a thread that finished its work parks (up to `WorkerThreads.maxParked`
/// of them, for `WorkerThreads.parkedSeconds`) and takes the next call. A call never waits behind
/// another one: with no parked thread, it gets a new thread.
public enum BlockingWork {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            WorkerThreads.shared.submit {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }
        }
    }
}

/// The threads behind `BlockingWork`: each parked thread waits on its own condition variable for
/// one job; the most recently parked one is woken first (its stack is warm), so the others time
/// out and end when the load drops.
// @unchecked Sendable: every mutable field (the parked list and each worker's `job`) is read and
// written only while holding the pool's pthread mutex; the condition variables are pthread objects
// made for sharing between threads.
final class WorkerThreads: @unchecked Sendable {
    static let shared = WorkerThreads()
    static let maxParked = 16
    static let parkedSeconds = 10

    typealias Job = @Sendable () -> Void

    final class Worker {
        let condition: UnsafeMutablePointer<pthread_cond_t>
        /// Set (under the pool's mutex) by `submit` before it signals.
        var job: Job?

        init(_ job: Job?) {
            self.job = job
            condition = .allocate(capacity: 1)
            pthread_cond_init(condition, nil)
        }

        deinit {
            pthread_cond_destroy(condition)
            condition.deallocate()
        }
    }

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    /// Guarded by `mutex`.
    private var parked: [Worker] = []

    private init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    /// Number of parked threads (tests).
    var parkedCount: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return parked.count
    }

    func submit(_ job: @escaping Job) {
        pthread_mutex_lock(mutex)
        if let worker = parked.popLast() {
            worker.job = job
            pthread_cond_signal(worker.condition)
            pthread_mutex_unlock(mutex)
            return
        }
        pthread_mutex_unlock(mutex)
        let worker = Worker(job)
        if !DetachedThread.start({ WorkerThreads.shared.work(worker) }) {
            // No thread to be had: do it here rather than fail.
            job()
        }
    }

    private func work(_ worker: Worker) {
        pthread_mutex_lock(mutex)
        var next = worker.job
        worker.job = nil
        pthread_mutex_unlock(mutex)
        while let job = next {
            job()
            next = park(worker)
        }
    }

    /// Waits for the next job; nil when the thread should end (enough parked threads, or none
    /// came within `parkedSeconds`).
    private func park(_ worker: Worker) -> Job? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard parked.count < Self.maxParked else { return nil }
        parked.append(worker)
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        deadline.tv_sec += Self.parkedSeconds
        while worker.job == nil {
            if pthread_cond_timedwait(worker.condition, mutex, &deadline) == ETIMEDOUT, worker.job == nil {
                parked.removeAll { $0 === worker }
                return nil
            }
        }
        let job = worker.job
        worker.job = nil
        return job
    }
}
