import Foundation

/// The replicas of a scale target sorted by how far their samples can be trusted.
///
/// Mirrors Kubernetes' `groupPods`: a replica is either counted as ready, set aside as unready
/// (its sample is dropped, and it counts as idle only when that would hold back a scale-up),
/// missing (no sample: assumed at target on scale-down, idle on scale-up) or ignored outright
/// (failed or being deleted).
public struct ReplicaGroups: Sendable, Equatable {
    public var readyCount: Int
    public var unready: Set<String>
    public var missing: Set<String>
    public var ignored: Set<String>

    public init(readyCount: Int = 0, unready: Set<String> = [], missing: Set<String> = [], ignored: Set<String> = []) {
        self.readyCount = readyCount
        self.unready = unready
        self.missing = missing
        self.ignored = ignored
    }

    /// Sorts `replicas` given their `samples`.
    ///
    /// - Parameters:
    ///   - resource: the resource being measured, or `nil` for a per-replica custom metric. Only
    ///     `.cpu` triggers the start-up rules, because only CPU is inflated while a process warms up.
    ///   - cpuInitializationPeriod: while a replica is younger than this, its CPU sample is trusted
    ///     only if it is ready and a full sample window has passed since it became ready.
    ///   - delayOfInitialReadiness: after the initialization period, a not-ready replica is still
    ///     set aside if its readiness last changed within this delay of its start, meaning it has
    ///     never been ready.
    public init(
        replicas: [Replica],
        samples: [String: MetricSample],
        resource: ResourceName?,
        cpuInitializationPeriod: TimeInterval,
        delayOfInitialReadiness: TimeInterval,
        now: Date
    ) {
        self.init()
        for replica in replicas {
            if replica.isTerminating || replica.phase == .failed {
                ignored.insert(replica.id)
                continue
            }
            if replica.phase == .pending {
                unready.insert(replica.id)
                continue
            }
            guard let sample = samples[replica.id] else {
                missing.insert(replica.id)
                continue
            }
            if resource == .cpu,
               Self.cpuSampleIsUntrusted(
                   replica, sample,
                   cpuInitializationPeriod: cpuInitializationPeriod,
                   delayOfInitialReadiness: delayOfInitialReadiness,
                   now: now)
            {
                unready.insert(replica.id)
                continue
            }
            readyCount += 1
        }
    }

    private static func cpuSampleIsUntrusted(
        _ replica: Replica,
        _ sample: MetricSample,
        cpuInitializationPeriod: TimeInterval,
        delayOfInitialReadiness: TimeInterval,
        now: Date
    ) -> Bool {
        guard let readiness = replica.readiness, let start = replica.startTime else {
            return true
        }
        if start.addingTimeInterval(cpuInitializationPeriod) > now {
            // Young replica: its CPU is only trusted once it is ready and a whole window has been
            // sampled since it became ready.
            return readiness.status == .notReady
                || sample.timestamp < readiness.lastTransition.addingTimeInterval(sample.window)
        }
        // Mature replica: distrust it only if it is not ready and has never been ready, which is
        // when its readiness last flipped within the initial delay after start.
        return readiness.status == .notReady
            && start.addingTimeInterval(delayOfInitialReadiness) > readiness.lastTransition
    }
}
