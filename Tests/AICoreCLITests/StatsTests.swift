import AICoreServer
import AICoreStore
import ArgumentParser
import Testing
@testable import AICoreCLI

/// `stats` reads its line as `docker stats` does and computes CPU % from two samples.
@Suite struct StatsTests {
    @Test func statsTakesServicesNoStreamAndFormat() throws {
        let stats = try Stats.parse(["--no-stream", "--format", "json", "-p", "shop", "web"])
        #expect(stats.noStream && stats.format == .json && stats.services == ["web"])
        #expect(try Stats.parse([]).noStream == false)
    }

    static func instance(_ id: String, cpu: Double?, memory: UInt64 = 2 << 20) -> InstanceStatus {
        var status = InstanceStatus(id: id, stack: "shop", service: "web", replica: 1, state: .running, desired: .running, health: nil,
                                    ready: true, pid: 10, restarts: 0, lastExit: nil, lastExitCode: nil, lastExitAt: nil,
                                    startedAt: nil, ports: [], cgroup: nil, reason: nil)
        if let cpu {
            var stats = InstanceStats(.init())
            stats.cpuSeconds = cpu
            stats.memoryBytes = memory
            stats.pids = 3
            status.stats = stats
        }
        return status
    }

    @Test func cpuIsTheCPUTimeUsedOverTheSampleAndStoppedInstancesAreLeftOut() {
        let rows = Stats.rows(before: [Self.instance("shop-web-1", cpu: 1.0)],
                              after: [Self.instance("shop-web-1", cpu: 1.5), Self.instance("shop-web-2", cpu: 4.0), Self.instance("shop-web-3", cpu: nil)],
                              over: .seconds(2))
        #expect(rows == [
            Stats.Row(name: "shop-web-1", cpu: "25.00%", memory: "2.0MiB", pids: "3"),
            Stats.Row(name: "shop-web-2", cpu: "0.00%", memory: "2.0MiB", pids: "3"),
        ])
    }
}
