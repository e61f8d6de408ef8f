import AICoreSystem
import CAICoreShim
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Repeats execs inside instances from one thread, over their inits' exec channels: the OS
/// side of exec healthchecks. At 500 health-checked instances, a check a second each, a task
/// per check (a timer, a wake-up, a hop to the runner, another for the answer) cost the agent
/// more than everything else together; here a check is a `send` and a `recv` on a kept
/// connection, made by `EpollLoop`'s thread, which sleeps in `epoll_wait` until the next check
/// is due or an answer arrives, and sends every check due within `batchWindow` in one wake-up.
///
/// When a check runs and which results matter are the owner's rules (`ExecRepeatPolicy`,
/// asked after every run): the scheduler knows nothing of Compose. Its owner is told only when
/// the policy says so, and then takes the results in order (`take`). The last results are
/// always at hand (`recent`).
public final class ExecCheckScheduler: EpollClient, Sendable {
    public static let shared = ExecCheckScheduler()

    /// What is kept of the runs, and how long one may take.
    public struct Limits: Sendable, Equatable {
        /// A check still running then is killed, and fails.
        public var timeout: Duration
        /// Output kept per check (stdout and stderr together).
        public var outputLimit: Int
        /// Results kept for `recent`.
        public var kept: Int

        public init(timeout: Duration, outputLimit: Int, kept: Int) {
            self.timeout = timeout
            self.outputLimit = outputLimit
            self.kept = kept
        }
    }

    /// One check.
    public struct Result: Sendable {
        public enum Outcome: Sendable {
            case ended(ExecEnding)
            /// The process could not be made; the init's report.
            case notStarted(ChildSetupError)
            /// The instance could not be reached (it has exited, or its init refused).
            case failed(SystemError)
        }

        /// Unix time, nanoseconds.
        public var started: Int64
        public var ended: Int64
        public var outcome: Outcome
        /// stdout and stderr together, in order, at most the limits' `outputLimit` bytes.
        public var output: [UInt8]

        /// Exited with code 0.
        public var passed: Bool {
            if case .ended(.exited(.exited(0))) = outcome { return true }
            return false
        }
    }

    public struct ID: Hashable, Sendable {
        let raw: UInt64
    }

    /// What is known of one scheduled check; touched only under the lock.
    private struct Check {
        let stateDirectory: String
        let request: [UInt8]
        let process: ProcessSpec
        let limits: Limits
        var policy: any ExecRepeatPolicy
        let notify: @Sendable () -> Void
        /// Monotonic nanoseconds.
        let scheduledAt: Int64
        var due: Int64
        var fd: Int32 = -1
        /// The check under way: when it started (unix ns) and must end (monotonic ns).
        var running: (started: Int64, deadline: Int64)?
        var answer: ExecAnswer
        var results: [Result] = []
        /// How many of `results` the owner has not taken.
        var untaken = 0
    }

    private struct State {
        var started = false
        var nextID: UInt64 = 1
        var checks: [UInt64: Check] = [:]
        /// When checks are due, earliest first; an entry whose check was cancelled or moved is
        /// skipped when it comes up.
        var due = DueHeap()
        /// The checks under way (few at a time: a check takes milliseconds).
        var running: Set<UInt64> = []
        /// When the loop comes back for this scheduler by itself (monotonic ns); nil = only for an event.
        var wakesAt: Int64?
        /// Where answers are read (the loop's thread only).
        var buffer = [UInt8](repeating: 0, count: InstanceExecChannel.messageCapacity)
    }

    /// Checks due this close together are sent in one wake-up.
    static let batchWindow: Int64 = 10_000_000
    /// A connection refused for a full backlog (every session of the init busy) is retried this soon.
    static let connectRetry: Int64 = 10_000_000

    private let loop = EpollLoop.shared
    private let state = Mutex(State())

    private init() {}

    // MARK: the owner's side

    /// Starts checking `process` (the instance's identity comes with the init) in the instance
    /// whose state directory is given, first after `firstAfter`, then as `policy` says, until
    /// `cancel`. `notify` is called, on the scheduler's thread, whenever the policy says there
    /// are results the owner must `take`; it must return at once. `encoded` is the request
    /// (`InstanceExecChannel.encode`).
    public func schedule(stateDirectory: String, process: ProcessSpec, encoded request: [UInt8], firstAfter: Duration,
                         limits: Limits, policy: any ExecRepeatPolicy, notify: @escaping @Sendable () -> Void) -> ID {
        let now = Self.monotonicNanoseconds()
        let due = now + Self.nanoseconds(firstAfter)
        let (id, startThread, wake) = state.withLock { s -> (UInt64, Bool, Bool) in
            let id = s.nextID
            s.nextID += 1
            s.checks[id] = Check(stateDirectory: stateDirectory, request: request, process: process, limits: limits,
                                 policy: policy, notify: notify, scheduledAt: now, due: due,
                                 answer: ExecAnswer(outputLimit: limits.outputLimit))
            s.due.push(due, id)
            defer { s.started = true }
            return (id, !s.started, Self.needsWake(&s, for: due))
        }
        if startThread { loop.attach(self, at: .execChecks) }
        if wake { loop.wake() }
        return ID(raw: id)
    }

    /// The results since the last `take`, oldest first (at most the limits' `kept`).
    public func take(_ id: ID) -> [Result] {
        state.withLock { s in
            guard let check = s.checks[id.raw], check.untaken > 0 else { return [] }
            s.checks[id.raw]?.untaken = 0
            return Array(check.results.suffix(check.untaken))
        }
    }

    /// The last results, oldest first (at most the limits' `kept`).
    public func recent(_ id: ID) -> [Result] {
        state.withLock { $0.checks[id.raw]?.results ?? [] }
    }

    /// Stops checking; a check under way is killed (the init kills it when its connection closes).
    public func cancel(_ id: ID) {
        let fd = state.withLock { s -> Int32 in
            s.running.remove(id.raw)
            return s.checks.removeValue(forKey: id.raw)?.fd ?? -1
        }
        if fd >= 0 { close(fd) }
    }

    // MARK: on the loop's thread

    func turn(now: Int64) -> Int64? {
        var notify: [@Sendable () -> Void] = []
        let next = state.withLock { s -> Int64? in
            expire(&s, now: now, notify: &notify)
            startDue(&s, now: now, notify: &notify)
            return Self.nextWake(&s)
        }
        notify.forEach { $0() }
        return next
    }

    func ready(_ tokens: ArraySlice<UInt64>) {
        var notify: [@Sendable () -> Void] = []
        state.withLock { s in
            for id in tokens { receive(&s, id, notify: &notify) }
        }
        notify.forEach { $0() }
    }

    /// Starts the checks due now or within `batchWindow`.
    private func startDue(_ s: inout State, now: Int64, notify: inout [@Sendable () -> Void]) {
        while let (due, id) = s.due.peek(), due <= now + Self.batchWindow {
            s.due.pop()
            guard let check = s.checks[id], check.due == due, check.running == nil || check.fd < 0 else { continue }
            start(&s, id, now: now, notify: &notify)
        }
    }

    private func start(_ s: inout State, _ id: UInt64, now: Int64, notify: inout [@Sendable () -> Void]) {
        guard var check = s.checks[id] else { return }
        if check.running == nil {
            check.running = (Self.unixNanoseconds(), now + Self.nanoseconds(check.limits.timeout))
            check.answer = ExecAnswer(outputLimit: check.limits.outputLimit)
        }
        let deadline = check.running?.deadline ?? now
        // A kept connection first; the init may have closed it (it gave up on this side, or is
        // ending), so a failed send is retried once on a new one.
        var sent = false
        if check.fd >= 0 {
            sent = InstanceExecChannel.sendRequest(check.fd, check.request) == 0
            if !sent {
                close(check.fd)
                check.fd = -1
            }
        }
        if !sent {
            let fd = InstanceExecChannel.withSocketPath(check.stateDirectory) { aic_exec_channel_connect($0) }
            if fd == -EAGAIN, now + Self.connectRetry < deadline {
                // Every session of the init is busy and its backlog full: try again shortly.
                check.due = now + Self.connectRetry
                s.checks[id] = check
                s.due.push(check.due, id)
                s.running.insert(id)
                return
            }
            guard fd >= 0 else {
                s.checks[id] = check
                let error = SystemError(errno: Int32(-fd), operation: "connect to the instance's init" + (fd == -ECONNREFUSED ? " (it has exited)" : ""))
                finish(&s, id, .failed(error), now: now, notify: &notify)
                return
            }
            check.fd = Int32(fd)
            _ = loop.add(check.fd, token: id, for: .execChecks, oneshot: false)
            let failed = InstanceExecChannel.sendRequest(check.fd, check.request)
            guard failed == 0 else {
                s.checks[id] = check
                finish(&s, id, .failed(.errno(Int32(failed), "send the exec request to the instance's init")), now: now, notify: &notify)
                return
            }
        }
        s.checks[id] = check
        s.running.insert(id)
    }

    /// Reads what the init answered on check `id`'s connection.
    private func receive(_ s: inout State, _ id: UInt64, notify: inout [@Sendable () -> Void]) {
        while let fd = s.checks[id]?.fd, fd >= 0 {
            let n = s.buffer.withUnsafeMutableBytes { aic_exec_channel_receive(fd, $0.baseAddress, $0.count) }
            if n == -Int(EAGAIN) { return }
            let now = Self.monotonicNanoseconds()
            guard n > 0, s.checks[id]?.running != nil else {
                // The init hung up (the instance is ending), or spoke out of turn.
                closeConnection(&s, id)
                if s.running.contains(id) { finish(&s, id, .ended(.lost), now: now, notify: &notify) }
                return
            }
            let step = s.buffer.withUnsafeBytes { s.checks[id]!.answer.take(UnsafeRawBufferPointer(rebasing: $0.prefix(n))) }
            switch step {
            case .more:
                continue
            case let .exited(status):
                finish(&s, id, .ended(.exited(status)), now: now, notify: &notify)
                return
            case let .notStarted(report):
                let process = s.checks[id]!.process
                closeConnection(&s, id)
                finish(&s, id, .notStarted(ChildSetupError(report: report, process: process, plan: nil, hostname: nil)), now: now, notify: &notify)
                return
            case .malformed:
                closeConnection(&s, id)
                finish(&s, id, .failed(SystemError(errno: EPROTO, operation: "read the instance init's exec answer")), now: now, notify: &notify)
                return
            }
        }
    }

    /// Checks past their timeout end as timed out; closing their connection makes the init kill them.
    private func expire(_ s: inout State, now: Int64, notify: inout [@Sendable () -> Void]) {
        for id in s.running {
            guard let check = s.checks[id], let running = check.running, running.deadline <= now else { continue }
            closeConnection(&s, id)
            finish(&s, id, .ended(.timedOut), now: now, notify: &notify)
        }
    }

    private func closeConnection(_ s: inout State, _ id: UInt64) {
        guard let fd = s.checks[id]?.fd, fd >= 0 else { return }
        close(fd)
        s.checks[id]?.fd = -1
    }

    /// Records the result of the check under way, and asks the policy when the next one runs
    /// and whether the owner must hear of it.
    private func finish(_ s: inout State, _ id: UInt64, _ outcome: Result.Outcome, now: Int64, notify: inout [@Sendable () -> Void]) {
        s.running.remove(id)
        guard var check = s.checks[id], let running = check.running else { return }
        if case .ended(.exited) = outcome {} else { closeConnection(&s, id); check.fd = -1 }
        let result = Result(started: running.started, ended: Self.unixNanoseconds(), outcome: outcome, output: check.answer.output)
        check.running = nil
        check.answer = ExecAnswer(outputLimit: 0)
        check.results.append(result)
        if check.results.count > check.limits.kept { check.results.removeFirst(check.results.count - check.limits.kept) }
        check.untaken = min(check.untaken + 1, check.results.count)
        let step = check.policy.afterRun(passed: result.passed, elapsed: now - check.scheduledAt)
        if step.notify { notify.append(check.notify) }
        check.due = now + max(0, step.next)
        s.due.push(check.due, id)
        s.checks[id] = check
    }

    /// When the loop must come back (monotonic ns; nil = only for an answer).
    private static func nextWake(_ s: inout State) -> Int64? {
        var next = s.due.peek()?.due
        for id in s.running {
            if let deadline = s.checks[id]?.running?.deadline, next.map({ deadline < $0 }) ?? true { next = deadline }
        }
        s.wakesAt = next
        return next
    }

    /// Whether the loop must be woken for a check due at `due` (it sleeps past it).
    private static func needsWake(_ s: inout State, for due: Int64) -> Bool {
        guard s.started, s.wakesAt.map({ due < $0 }) ?? true else { return false }
        s.wakesAt = due
        return true
    }

    // MARK: time

    static func monotonicNanoseconds() -> Int64 {
        EpollLoop.monotonicNanoseconds()
    }

    static func unixNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    static func nanoseconds(_ d: Duration) -> Int64 {
        d.clampedNanoseconds
    }
}

extension Duration {
    /// In nanoseconds, for monotonic arithmetic; a duration too long for that (centuries) is
    /// `Int64.max / 2`, which an added `now` cannot overflow.
    public var clampedNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).overflow ? .max / 2 : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// A binary min-heap of (due time, check id).
struct DueHeap {
    private var entries: [(due: Int64, id: UInt64)] = []

    var isEmpty: Bool { entries.isEmpty }

    func peek() -> (due: Int64, id: UInt64)? { entries.first }

    mutating func push(_ due: Int64, _ id: UInt64) {
        entries.append((due, id))
        var i = entries.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard entries[i].due < entries[parent].due else { break }
            entries.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() {
        guard !entries.isEmpty else { return }
        entries.swapAt(0, entries.count - 1)
        entries.removeLast()
        var i = 0
        while true {
            let left = 2 * i + 1, right = left + 1
            var smallest = i
            if left < entries.count, entries[left].due < entries[smallest].due { smallest = left }
            if right < entries.count, entries[right].due < entries[smallest].due { smallest = right }
            guard smallest != i else { return }
            entries.swapAt(i, smallest)
            i = smallest
        }
    }
}
