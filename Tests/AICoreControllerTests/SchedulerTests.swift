import AICoreController
import Testing

@Suite struct SchedulerTests {
    let scheduler = Scheduler()

    @Test func instancesThatFitArePlacedAndTheRestArePendingWithAKubernetesLikeReason() {
        let requests = (1...3).map { PlacementRequest(instance: "demo-api-\($0)", service: "api", cpus: 0.5) }
        let placements = scheduler.place(requests, on: [Fixtures.node(cpus: 1.2)])
        #expect(placements["demo-api-1"] == .placed(node: "local"))
        #expect(placements["demo-api-2"] == .placed(node: "local"))
        #expect(placements["demo-api-3"] == .pending(reason: "Insufficient cpu: requested 0.5, 0.2 free"))
    }

    @Test func memoryShortfallIsReportedInBinaryUnits() {
        let request = PlacementRequest(instance: "demo-db-1", service: "db", memoryBytes: 2 << 30)
        let placements = scheduler.place([request], on: [Fixtures.node(memory: "1536M")])
        #expect(placements["demo-db-1"] == .pending(reason: "Insufficient memory: requested 2G, 1536M free"))
    }

    @Test func bothShortfallsAreNamed() {
        let request = PlacementRequest(instance: "x-1", service: "x", cpus: 4, memoryBytes: 4 << 30)
        let placements = scheduler.place([request], on: [Fixtures.node(cpus: 1, memory: "1G")])
        #expect(placements["x-1"] == .pending(reason: "Insufficient cpu: requested 4, 1 free; Insufficient memory: requested 4G, 1G free"))
    }

    @Test func reservationsAlreadyHeldCountAgainstTheNode() {
        let held = ["local": [PlacementRequest(instance: "demo-db-1", service: "db", cpus: 1.5)]]
        let placements = scheduler.place([PlacementRequest(instance: "demo-api-1", service: "api", cpus: 1)],
                                         on: [Fixtures.node(cpus: 2)], running: held)
        #expect(placements["demo-api-1"] == .pending(reason: "Insufficient cpu: requested 1, 0.5 free"))
    }

    @Test func placementIsDeterministicAndSpreadsOverSeveralNodes() {
        let nodes = [NodeCapacity(node: "a", cpus: 2, memoryBytes: 1 << 30), NodeCapacity(node: "b", cpus: 2, memoryBytes: 1 << 30)]
        let requests = (1...4).map { PlacementRequest(instance: "s-\($0)", service: "s", cpus: 1) }
        let first = scheduler.place(requests, on: nodes)
        #expect(first.mapValues { $0.node ?? "-" } == ["s-1": "a", "s-2": "b", "s-3": "a", "s-4": "b"])
        #expect(scheduler.place(requests, on: nodes) == first)
        let fifth = scheduler.place(requests + [PlacementRequest(instance: "s-5", service: "s", cpus: 1)], on: nodes)
        #expect(fifth["s-5"] == .pending(reason: "0/2 nodes are available: a: Insufficient cpu: requested 1, 0 free, b: Insufficient cpu: requested 1, 0 free"))
    }

    @Test func instancesWithoutReservationsAlwaysFit() {
        let placements = scheduler.place([PlacementRequest(instance: "x-1", service: "x")], on: [Fixtures.node(cpus: 0, memory: "0")])
        #expect(placements["x-1"] == .placed(node: "local"))
    }

    @Test func nodeCapacityIsTheRawFiguresLessTheSystemReserve() {
        #expect(NodeCapacity(node: "n", rawCPUs: 4, rawMemoryBytes: 8 << 30, reserve: SystemReserve(cpus: 0.5, memoryBytes: 1 << 30))
                == NodeCapacity(node: "n", cpus: 3.5, memoryBytes: 7 << 30))
        #expect(NodeCapacity(node: "n", rawCPUs: 1, rawMemoryBytes: 100, reserve: SystemReserve(cpus: 2, memoryBytes: 200))
                == NodeCapacity(node: "n", cpus: 0, memoryBytes: 0))
    }
}
