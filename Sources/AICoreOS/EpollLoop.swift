import AICoreSystem
import CAICoreShim
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Work done on `EpollLoop`'s thread. Called there only, one call at a time: it must return at
/// once and never block (the same thread serves every instance's exits and checks).
protocol EpollClient: AnyObject, Sendable {
    /// The descriptors registered with these tokens are ready (readable, hung up, or in error).
    func ready(_ tokens: ArraySlice<UInt64>)
    /// Called on every turn of the loop before it sleeps: does what is due at `now` (monotonic
    /// nanoseconds) and returns when the loop must come back for this client (monotonic
    /// nanoseconds; nil: only for its descriptors).
    func turn(now: Int64) -> Int64?
}

/// The agent's one thread that waits on descriptors without a thread of its own: it sleeps in
/// `epoll_wait` for every instance's pidfd, every awaited exec-channel socket and every
/// repeated healthcheck's connection, and for the next deadline of its clients
/// (`ProcessExitMonitor`, `ExecCheckScheduler`), then hands each client what is ready.
final class EpollLoop: Sendable {
    static let shared = EpollLoop()

    /// A client's place in the loop: its tokens carry it in their top byte.
    struct Slot: Sendable {
        fileprivate let index: Int

        static let processExits = Slot(index: 0)
        static let execChecks = Slot(index: 1)
        fileprivate static let count = 2
    }

    private struct State {
        var started = false
        var clients: [(any EpollClient)?] = Array(repeating: nil, count: Slot.count)
    }

    /// Tokens are 56 bits; the top byte says whose they are.
    private static let clientShift: UInt64 = 56
    private static let tokenMask: UInt64 = (1 << 56) - 1
    /// The wake pipe's id: no client's (slots are numbered from 0, and 255 is never reached).
    private static let wakeID: UInt64 = .max

    private let epfd: Int32
    private let wakePipe: WakePipe
    private let state = Mutex(State())

    /// The agent's is `shared`; tests make their own.
    init() {
        epfd = aic_epoll_create()
        wakePipe = WakePipe(registeringIn: epfd, as: Self.wakeID)
    }

    /// Puts `client` in its slot (its first use); the loop's thread starts with the first client,
    /// and takes a turn for each later one (it may sleep with no deadline at all).
    /// (`waking: false` only for tests: the client's first event then wakes the loop.)
    func attach(_ client: any EpollClient, at slot: Slot, waking: Bool = true) {
        let start = state.withLock { s -> Bool in
            s.clients[slot.index] = client
            defer { s.started = true }
            return !s.started
        }
        if start {
            _ = DetachedThread.start { self.loop() }
        } else if waking {
            wake()
        }
    }

    /// Watches `fd` for `slot`'s client, once (`oneshot`: removed from the set after one event in
    /// effect, until `remove`) or until `remove`. 0, or a negative errno.
    func add(_ fd: Int32, token: UInt64, for slot: Slot, oneshot: Bool) -> Int32 {
        let id = UInt64(slot.index) << Self.clientShift | token & Self.tokenMask
        return oneshot ? aic_epoll_add_oneshot(epfd, fd, id) : aic_epoll_add(epfd, fd, id)
    }

    func remove(_ fd: Int32) {
        _ = aic_epoll_del(epfd, fd)
    }

    /// Makes the loop take a turn now (a client has something due sooner than it said).
    func wake() {
        wakePipe.wake()
    }

    private func loop() {
        var ids = [UInt64](repeating: 0, count: 64)
        var tokens: [[UInt64]] = []
        while true {
            let clients = state.withLock { $0.clients }
            let now = Self.monotonicNanoseconds()
            var next: Int64?
            for case let client? in clients {
                if let due = client.turn(now: now), next.map({ due < $0 }) ?? true { next = due }
            }
            // Rounded up: waking a little late is fine, waking early only spins once more.
            let timeout = next.map { Int32(clamping: max(0, ($0 - now + 999_999) / 1_000_000)) } ?? -1
            let n = ids.withUnsafeMutableBufferPointer {
                aic_epoll_wait_ids_timeout(epfd, $0.baseAddress, Int32($0.count), timeout)
            }
            if n < 0 { return }
            // The clients as they are now, not as they were before the wait: one attached while
            // the loop slept (its wake-up and its first descriptor can come in the same wait)
            // must get its tokens, or a oneshot event is lost for good.
            let ready = state.withLock { $0.clients }
            if tokens.isEmpty { tokens = Array(repeating: [], count: ready.count) }
            for id in ids.prefix(Int(n)) {
                if id == Self.wakeID {
                    wakePipe.drain()
                } else if Int(id >> Self.clientShift) < ready.count {
                    tokens[Int(id >> Self.clientShift)].append(id & Self.tokenMask)
                }
            }
            for (index, client) in ready.enumerated() where !tokens[index].isEmpty {
                client?.ready(tokens[index][...])
                tokens[index].removeAll(keepingCapacity: true)
            }
        }
    }

    static func monotonicNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
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
