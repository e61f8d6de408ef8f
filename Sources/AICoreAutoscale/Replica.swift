import Foundation

/// Lifecycle phase of a replica, as the autoscaler sees it.
public enum ReplicaPhase: Sendable, Hashable {
    /// Created but not yet running (not scheduled, or still starting its processes).
    case pending
    case running
    /// Exited successfully; still counted, as Kubernetes counts succeeded pods.
    case succeeded
    case failed
}

/// Status of the replica's readiness check.
public enum ReadinessStatus: Sendable, Hashable {
    case ready
    case notReady
    /// The check has not reported yet. Kubernetes treats this as "not false".
    case unknown
}

/// The readiness condition and when it last changed.
public struct ReadinessCondition: Sendable, Hashable {
    public var status: ReadinessStatus
    public var lastTransition: Date

    public init(_ status: ReadinessStatus, since lastTransition: Date) {
        self.status = status
        self.lastTransition = lastTransition
    }
}

/// One instance of the scale target: everything the replica calculator needs to know about it
/// apart from its metric sample.
public struct Replica: Sendable, Hashable, Identifiable {
    public var id: String
    public var phase: ReplicaPhase
    /// Being stopped; its samples no longer describe steady-state load.
    public var isTerminating: Bool
    /// When the replica started; `nil` when it has not started.
    public var startTime: Date?
    /// `nil` when no readiness condition has been reported.
    public var readiness: ReadinessCondition?
    /// Reservation per resource, in milli-units (millicores, milli-bytes).
    public var requests: [ResourceName: Int64]

    public init(
        id: String,
        phase: ReplicaPhase = .running,
        isTerminating: Bool = false,
        startTime: Date? = nil,
        readiness: ReadinessCondition? = nil,
        requests: [ResourceName: Int64] = [:]
    ) {
        self.id = id
        self.phase = phase
        self.isTerminating = isTerminating
        self.startTime = startTime
        self.readiness = readiness
        self.requests = requests
    }

    /// Running and passing its readiness check.
    var isRunningAndReady: Bool {
        phase == .running && readiness?.status == .ready
    }
}
