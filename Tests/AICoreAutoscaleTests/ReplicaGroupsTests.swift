// Ports TestGroupPods from Kubernetes' replica_calculator_test.go: how replicas are sorted into
// ready, unready, missing and ignored, including the CPU initialization-period and
// initial-readiness-delay rules (testing values: 2 minutes and 10 seconds). Kubernetes names the
// pods after philosophers; the names are kept. Samples without a timestamp in Go carry the zero
// time and a zero window.
// Not ported: none.
import Foundation
import Testing
import AICoreAutoscale

struct GroupingCase: Sendable, CustomTestStringConvertible {
    var name: String
    var replicas: [Replica]
    var samples: [String: MetricSample]
    var resource: ResourceName
    var expected: ReplicaGroups

    var testDescription: String { name }
}

@Suite("Replica grouping")
struct ReplicaGroupsTests {
    static let bareSample = MetricSample(value: 1, timestamp: Clock.zero, window: 0)

    static let cases: [GroupingCase] = [
        .init(name: "void", replicas: [], samples: [:], resource: .cpu, expected: .init()),
        .init(name: "count in a ready pod - memory",
              replicas: [Replica(id: "bentham", phase: .succeeded)],
              samples: ["bentham": MetricSample(value: 1, timestamp: Clock.now, window: 60)],
              resource: .memory, expected: .init(readyCount: 1)),
        .init(name: "unready a pod without ready condition - CPU",
              replicas: [Replica(id: "lucretius", phase: .succeeded, startTime: Clock.now)],
              samples: ["lucretius": bareSample],
              resource: .cpu, expected: .init(unready: ["lucretius"])),
        .init(name: "count in a ready pod with fresh metrics during initialization period - CPU",
              replicas: [Replica(id: "bentham", phase: .succeeded, startTime: Clock.ago(60),
                                 readiness: .init(.ready, since: Clock.ago(30)))],
              samples: ["bentham": MetricSample(value: 1, timestamp: Clock.now, window: 30)],
              resource: .cpu, expected: .init(readyCount: 1)),
        .init(name: "unready a ready pod without fresh metrics during initialization period - CPU",
              replicas: [Replica(id: "bentham", phase: .succeeded, startTime: Clock.ago(60),
                                 readiness: .init(.ready, since: Clock.ago(30)))],
              samples: ["bentham": MetricSample(value: 1, timestamp: Clock.now, window: 60)],
              resource: .cpu, expected: .init(unready: ["bentham"])),
        .init(name: "unready an unready pod during initialization period - CPU",
              replicas: [Replica(id: "lucretius", phase: .succeeded, startTime: Clock.ago(10 * 60),
                                 readiness: .init(.notReady, since: Clock.ago(9 * 60 + 54)))],
              samples: ["lucretius": bareSample],
              resource: .cpu, expected: .init(unready: ["lucretius"])),
        .init(name: "count in a ready pod without fresh metrics after initialization period - CPU",
              replicas: [Replica(id: "bentham", phase: .succeeded, startTime: Clock.ago(3 * 60),
                                 readiness: .init(.ready, since: Clock.ago(3 * 60)))],
              samples: ["bentham": MetricSample(value: 1, timestamp: Clock.ago(2 * 60), window: 60)],
              resource: .cpu, expected: .init(readyCount: 1)),
        .init(name: "count in an unready pod that was ready after initialization period - CPU",
              replicas: [Replica(id: "lucretius", phase: .succeeded, startTime: Clock.ago(10 * 60),
                                 readiness: .init(.notReady, since: Clock.ago(9 * 60)))],
              samples: ["lucretius": bareSample],
              resource: .cpu, expected: .init(readyCount: 1)),
        .init(name: "unready pod that has never been ready after initialization period - CPU",
              replicas: [Replica(id: "lucretius", phase: .succeeded, startTime: Clock.ago(10 * 60),
                                 readiness: .init(.notReady, since: Clock.ago(9 * 60 + 50)))],
              samples: ["lucretius": bareSample],
              resource: .cpu, expected: .init(readyCount: 1)),
        .init(name: "a missing pod",
              replicas: [Replica(id: "epicurus", phase: .succeeded, startTime: Clock.ago(3 * 60))],
              samples: [:], resource: .cpu, expected: .init(missing: ["epicurus"])),
        .init(name: "several pods",
              replicas: [
                  Replica(id: "lucretius", phase: .succeeded, startTime: Clock.now),
                  Replica(id: "niccolo", phase: .succeeded, startTime: Clock.ago(3 * 60),
                          readiness: .init(.ready, since: Clock.ago(3 * 60))),
                  Replica(id: "epicurus", phase: .succeeded, startTime: Clock.ago(3 * 60)),
              ],
              samples: ["lucretius": bareSample, "niccolo": bareSample],
              resource: .cpu, expected: .init(readyCount: 1, unready: ["lucretius"], missing: ["epicurus"])),
        .init(name: "pending pods are unreadied",
              replicas: [Replica(id: "unscheduled", phase: .pending)],
              samples: [:], resource: .cpu, expected: .init(unready: ["unscheduled"])),
        .init(name: "ignore pods with deletion timestamps",
              replicas: [Replica(id: "deleted", phase: .pending, isTerminating: true)],
              samples: ["deleted": bareSample], resource: .cpu, expected: .init(ignored: ["deleted"])),
        .init(name: "ignore pods in a failed state",
              replicas: [Replica(id: "failed", phase: .failed)],
              samples: ["failed": bareSample], resource: .cpu, expected: .init(ignored: ["failed"])),
    ]

    @Test("TestGroupPods", arguments: cases)
    func grouping(_ testCase: GroupingCase) {
        let groups = testingCalculator.group(
            testCase.replicas, samples: testCase.samples, resource: testCase.resource, now: Clock.now)
        #expect(groups == testCase.expected)
    }

    @Test("for a custom metric a replica without a sample is missing, whatever its readiness")
    func unreadyWithoutSampleIsMissing() {
        let replicas = [Replica(id: "a", readiness: .init(.notReady, since: Clock.zero))]
        let groups = testingCalculator.group(replicas, samples: [:], resource: nil, now: Clock.now)
        #expect(groups == ReplicaGroups(missing: ["a"]))
    }
}
