import Foundation
import AICoreAutoscale

/// Shared clock values. Kubernetes' tests use `time.Now()` and Go's zero time; here both are fixed.
enum Clock {
    static let now = Date(timeIntervalSinceReferenceDate: 800_000_000)
    /// Go's zero `time.Time`: what the fake pods and metrics carry when a test does not set a time.
    static let zero = Date.distantPast
    /// A replica that just started: inside the CPU initialization period.
    static let hotCPUStart = now
    /// A replica that started three minutes ago: past the two-minute testing initialization period.
    static let coolCPUStart = now.addingTimeInterval(-3 * 60)

    static func ago(_ seconds: TimeInterval) -> Date { now.addingTimeInterval(-seconds) }
}

/// The calculator with Kubernetes' testing periods (2 min, 10 s), not the production defaults.
let testingCalculator = ReplicaCalculator(cpuInitializationPeriod: 2 * 60, delayOfInitialReadiness: 10)

/// The state of a scale target as Kubernetes' replica-calculator tests describe it, with the
/// same defaulting as their fake clients: every replica running and ready unless told otherwise,
/// start and readiness transition at the zero time, samples at the zero time over a one-minute
/// window, replica `i` named `replica-i`.
struct Scenario: Sendable {
    var currentReplicas: Int32
    var readiness: [ReadinessStatus]? = nil
    var startTimes: [Date]? = nil
    var phases: [ReplicaPhase]? = nil
    var terminating: [Bool]? = nil
    /// Reservation per replica in millicores; replicas past the end have none.
    var requests: [Int64] = []
    /// Sample value per replica; replicas past the end have no sample.
    var levels: [Int64] = []
    /// Overrides the replica a sample is reported for.
    var sampleIDs: [String] = []
    /// Kubernetes' fake pods have two containers with the same request and the same usage, so a
    /// pod's request and usage are twice the listed numbers; scoping to one container gives 1.
    var containers: Int64 = 2

    var replicas: [Replica] {
        let count = max(Int(currentReplicas), phases?.count ?? 0)
        return (0..<count).map { index in
            Replica(
                id: "replica-\(index)",
                phase: phases?[index] ?? .running,
                isTerminating: terminating?[index] ?? false,
                startTime: startTimes?[index] ?? Clock.zero,
                readiness: ReadinessCondition(
                    readiness.flatMap { index < $0.count ? $0[index] : nil } ?? .ready, since: Clock.zero),
                requests: index < requests.count ? [.cpu: requests[index] * containers] : [:])
        }
    }

    var samples: [String: MetricSample] {
        var samples: [String: MetricSample] = [:]
        for (index, level) in levels.enumerated() {
            let id = index < sampleIDs.count ? sampleIDs[index] : "replica-\(index)"
            samples[id] = MetricSample(value: level * containers, timestamp: Clock.zero, window: 60)
        }
        return samples
    }
}

func cpuRequests(_ count: Int, _ millicores: Int64) -> [Int64] {
    Array(repeating: millicores, count: count)
}
