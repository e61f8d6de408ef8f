import Synchronization

/// What the resolver did with the queries it got, for metrics.
public final class DNSCounters: Sendable {
    public struct Snapshot: Hashable, Sendable {
        /// Answered from the records (including NODATA, FORMERR and NOTIMP).
        public var answered: Int
        /// Forwarded and answered by an upstream.
        public var forwarded: Int
        /// Forwarded, and no upstream answered: SERVFAIL.
        public var failed: Int
        /// Dropped unanswered (not a query at all).
        public var dropped: Int
    }

    private let answered = Atomic<Int>(0)
    private let forwarded = Atomic<Int>(0)
    private let failed = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)

    init() {}

    func countAnswered() { answered.add(1, ordering: .relaxed) }
    func countForwarded() { forwarded.add(1, ordering: .relaxed) }
    func countFailed() { failed.add(1, ordering: .relaxed) }
    func countDropped() { dropped.add(1, ordering: .relaxed) }

    public var snapshot: Snapshot {
        Snapshot(answered: answered.load(ordering: .relaxed), forwarded: forwarded.load(ordering: .relaxed),
                 failed: failed.load(ordering: .relaxed), dropped: dropped.load(ordering: .relaxed))
    }
}
