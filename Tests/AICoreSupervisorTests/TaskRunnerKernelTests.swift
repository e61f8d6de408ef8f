import AICoreOS
import AICoreRuntime
import AICoreSpec
import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing
@testable import AICoreSupervisor

/// The TaskRunner over the real LinuxTaskDriver: real processes, cgroups, exec and sockets.
@Suite(.serialized, .enabled(if: KernelTestEnvironment.isRoot, "kernel tests need root"))
struct TaskRunnerKernelTests {
    func makeRunner(_ id: String, root: String, driver: LinuxTaskDriver, command: [String], restart: RestartPolicy,
                    healthcheck: Healthcheck? = nil, probes: ProbeSet = ProbeSet(), grace: Duration = .seconds(10),
                    ports: [Int] = []) -> TaskRunner<ContinuousClock> {
        let configuration = RunnerConfiguration(
            identity: InstanceIdentity(id: id, stack: "test", service: "svc", replica: 1),
            taskSpec: KernelTestEnvironment.spec(id, root: root, command), restart: restart, healthcheck: healthcheck,
            probes: probes, stopSignal: SIGTERM, stopGracePeriod: grace, ports: ports)
        return TaskRunner(configuration: configuration, driver: driver, prober: LiveProbeExecutor(driver: driver),
                          clock: ContinuousClock(), store: nil, jitter: .none)
    }

    @Test func crashLoopingWorkloadRestartsOnTheBackoffCurve() async throws {
        let root = try KernelTestEnvironment.temporaryDirectory("crash")
        let driver = try KernelTestEnvironment.driver(root)
        let id = KernelTestEnvironment.uniqueName("crash")
        defer { Task { await KernelTestEnvironment.cleanUp(root: root, driver: driver, ids: [id]) } }
        let runner = makeRunner(id, root: root, driver: driver, command: ["/bin/sh", "-c", "exit 1"],
                                restart: RestartPolicy(condition: .always, delay: .milliseconds(50)))
        await runner.run()
        #expect(await eventually { await runner.eventHistory.filter { $0.type == "started" }.count >= 5 })
        await runner.stop()
        let history = await runner.eventHistory
        let backoffs = history.filter { $0.type == "backoff" }.map(\.reason).prefix(4)
        #expect(Array(backoffs) == ["50ms", "100ms", "200ms", "400ms"].map { "Back-off \($0) restarting failed instance" })
        // Each restart came no sooner than its back-off after the exit, by the runner's own clock.
        let exits = history.filter { $0.type == "exited" && $0.reason == "Exited (code 1)" }.map(\.instant)
        let starts = history.filter { $0.type == "starting" }.map(\.instant).dropFirst()
        let curve: [Duration] = [.milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(400)]
        for (index, (exit, start)) in zip(exits, starts).prefix(4).enumerated() {
            #expect(exit.duration(to: start) >= curve[index])
        }
        #expect(KernelTestEnvironment.processesMentioning(id).isEmpty)
    }

    @Test func httpLivenessProbeDetectsA500AndAHang() async throws {
        let root = try KernelTestEnvironment.temporaryDirectory("http")
        let driver = try KernelTestEnvironment.driver(root)
        let server = try LoopbackHTTPServer(mode: .status(500))
        let ids = [KernelTestEnvironment.uniqueName("h500"), KernelTestEnvironment.uniqueName("hang")]
        defer {
            server.stop()
            Task { await KernelTestEnvironment.cleanUp(root: root, driver: driver, ids: ids) }
        }
        // The 500 is answered at once: a generous timeout, which a loaded machine never reaches.
        // The hang is never answered: any timeout fires, so a short one keeps the test short.
        func liveness(timeout: Duration) -> Probe {
            Probe(action: .httpGet(path: "/health/live", port: server.port, headers: [:]),
                  period: .milliseconds(100), timeout: timeout, failureThreshold: 2)
        }
        let cases = [(ids[0], liveness(timeout: .seconds(30)), "Liveness probe failed: HTTP 500 on /health/live"),
                     (ids[1], liveness(timeout: .milliseconds(300)), "Liveness probe failed: timeout after 300ms on /health/live")]
        for (id, probe, expected) in cases {
            if id == ids[1] { server.mode = .hang }
            let runner = makeRunner(id, root: root, driver: driver, command: ["/bin/sleep", "1000"],
                                    restart: RestartPolicy(condition: .no), probes: ProbeSet(liveness: probe))
            await runner.run()
            await runner.finished()
            let history = await runner.eventHistory
            #expect(history.filter { $0.type == "stopping" }.map(\.reason) == [expected])
            #expect(history.last?.reason == "Not restarted: restart policy is \"no\"")
        }
    }

    @Test func failingExecHealthcheckMarksUnhealthyThenRestarts() async throws {
        let root = try KernelTestEnvironment.temporaryDirectory("hc")
        let driver = try KernelTestEnvironment.driver(root)
        let id = KernelTestEnvironment.uniqueName("hc")
        defer { Task { await KernelTestEnvironment.cleanUp(root: root, driver: driver, ids: [id]) } }
        // The check runs inside the instance: it sees the instance's hostname, not the host's.
        let check = Healthcheck(test: .shell("echo \"bad on $(hostname)\"; exit 1"), interval: .milliseconds(200),
                                timeout: .seconds(5), retries: 2)
        let runner = makeRunner(id, root: root, driver: driver, command: ["/bin/sleep", "1000"],
                                restart: RestartPolicy(condition: .onFailure, delay: .seconds(60)), healthcheck: check)
        await runner.run()
        #expect(await eventually { await runner.currentState == .backoff })
        let history = await runner.eventHistory
        #expect(history.map(\.type).prefix(5) == ["starting", "started", "unhealthy", "stopping", "exited"])
        #expect(history.first { $0.type == "unhealthy" }?.reason == "Healthcheck failed 2 times: bad on \(id)\n")
        #expect(history.first { $0.type == "backoff" }?.reason == "Back-off 1m0s restarting failed instance")
        // Both failures; under load more checks may end before the runner takes them and stops.
        let log = await runner.status.probeLog
        #expect(log.count >= 2 && log.allSatisfy { !$0.passed && $0.exitCode == 1 }, "\(log)")
        await runner.stop()
    }

    @Test func passingExecHealthcheckKeepsItsLogCurrentWithoutAnEventPerCheck() async throws {
        let root = try KernelTestEnvironment.temporaryDirectory("hcpass")
        let driver = try KernelTestEnvironment.driver(root)
        let id = KernelTestEnvironment.uniqueName("hcpass")
        defer { Task { await KernelTestEnvironment.cleanUp(root: root, driver: driver, ids: [id]) } }
        let check = Healthcheck(test: .exec(["/bin/sh", "-c", "echo fine"]), interval: .milliseconds(100), timeout: .seconds(5), retries: 2)
        let runner = makeRunner(id, root: root, driver: driver, command: ["/bin/sleep", "1000"],
                                restart: RestartPolicy(condition: .onFailure), healthcheck: check)
        await runner.run()
        #expect(await eventually { await runner.status.health == "healthy" })
        let healthyAt = try #require(await runner.eventHistory.first { $0.type == "healthy" }?.time)
        // The runner heard of the first pass only; the log still shows the latest five, all
        // made after it.
        #expect(await eventually {
            let log = await runner.status.probeLog
            return log.count == 5 && log.allSatisfy { $0.passed && $0.exitCode == 0 && $0.output == "fine\n" }
                && log[0].start > healthyAt
        })
        #expect(await runner.eventHistory.map(\.type) == ["starting", "started", "healthy"])
        await runner.stop()
        #expect(await runner.currentState == .exited)
    }

    @Test func stopGracePeriodEscalatesToSIGKILL() async throws {
        let root = try KernelTestEnvironment.temporaryDirectory("grace")
        let driver = try KernelTestEnvironment.driver(root)
        let id = KernelTestEnvironment.uniqueName("grace")
        defer { Task { await KernelTestEnvironment.cleanUp(root: root, driver: driver, ids: [id]) } }
        let runner = makeRunner(id, root: root, driver: driver,
                                command: ["/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"],
                                restart: RestartPolicy(condition: .always), grace: .milliseconds(500))
        await runner.run()
        #expect(await eventually { await runner.currentState == .running })
        let handle = try #require(await runner.currentHandle)
        // Stopped only once the trap is set (a SIGTERM before it would end the shell).
        let log = handle.logDirectory + "/" + LinuxTaskDriver.logFileName
        #expect(await eventually { ((try? FileIO.readString(log)) ?? "").contains("ready") })
        await runner.stop()
        let history = await runner.eventHistory
        #expect(history.map(\.type).suffix(3) == ["stopping", "killing", "exited"])
        #expect(history.last?.reason == "Killed by signal 9 (SIGKILL)")
        #expect(handle.cgroup.map { cgroupIsGone($0) } ?? true)
    }

    func cgroupIsGone(_ cgroup: CgroupHandle) -> Bool {
        (cgroup.directories + [cgroup.unifiedDirectory].compactMap { $0 }).allSatisfy { !FileIO.exists($0) }
    }
}
