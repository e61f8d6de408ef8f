import AICoreOS
import AICoreRuntime
import AICoreSpec
import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing
@testable import AICoreSupervisor

/// Compose's `post_start` and `pre_stop` over the real driver: the hooks run inside the
/// instance through its exec channel, and write into a directory the test bind-mounts at /mnt.
extension TaskRunnerKernelTests {
    /// A runner whose instance sees `shared` at /mnt.
    func makeHookRunner(_ id: String, root: String, shared: String, driver: LinuxTaskDriver, command: [String],
                        postStart: [ServiceHook] = [], preStop: [ServiceHook] = [],
                        grace: Duration = .seconds(10), user: String? = nil) -> TaskRunner<ContinuousClock> {
        var spec = KernelTestEnvironment.spec(id, root: root, command)
        spec.user = user
        spec.mounts = [MountSpec(destination: "/mnt", kind: .bind(source: shared, readOnly: false))]
        var configuration = RunnerConfiguration(
            identity: InstanceIdentity(id: id, stack: "test", service: "svc", replica: 1),
            taskSpec: spec, restart: RestartPolicy(condition: .always), stopSignal: SIGTERM, stopGracePeriod: grace)
        configuration.postStart = postStart
        configuration.preStop = preStop
        return TaskRunner(configuration: configuration, driver: driver, prober: LiveProbeExecutor(driver: driver),
                          clock: ContinuousClock(), store: nil, jitter: .none)
    }

    func sharedDirectory(_ root: String) throws -> String {
        let shared = root + "/shared"
        try FileIO.makeDirectories(shared)
        return shared
    }

    @Test func postStartRunsInsideTheInstanceWithItsEnvironmentAndDirectory() async throws {
        let root = try KernelTestEnvironment.temporaryDirectory("poststart")
        let shared = try sharedDirectory(root)
        let driver = try KernelTestEnvironment.driver(root)
        let id = KernelTestEnvironment.uniqueName("poststart")
        defer { Task { await KernelTestEnvironment.cleanUp(root: root, driver: driver, ids: [id]) } }
        // It sees the instance's hostname, its own environment and working directory.
        let hook = ServiceHook(command: ["/bin/sh", "-c", "echo \"$MODE $(hostname) $(pwd)\" > /mnt/started"],
                               workingDir: "/mnt", environment: ["MODE": "warm"])
        let runner = makeHookRunner(id, root: root, shared: shared, driver: driver, command: ["/bin/sleep", "1000"],
                                    postStart: [hook])
        await runner.run()
        #expect(await eventually { await runner.eventHistory.contains { $0.type == "hook-done" } })
        #expect((try? FileIO.readString(shared + "/started")) == "warm \(id) /mnt\n")
        #expect(await runner.currentState == .running)
        await runner.stop()
    }

    /// A hook's `user`: the workload runs as 1001; one hook runs as root (with root's default
    /// capabilities: its chown works), the next as `nobody`, by name from the instance's passwd.
    @Test func hooksRunAsTheUserTheyName() async throws {
        let root = try KernelTestEnvironment.temporaryDirectory("hookuser")
        let shared = try sharedDirectory(root)
        chmod(shared, 0o777)
        let driver = try KernelTestEnvironment.driver(root)
        let id = KernelTestEnvironment.uniqueName("hookuser")
        defer { Task { await KernelTestEnvironment.cleanUp(root: root, driver: driver, ids: [id]) } }
        let asRoot = ServiceHook(command: ["/bin/sh", "-c", "id -u > /mnt/as-root && chown 1001 /mnt/as-root"], user: "root")
        let asNobody = ServiceHook(command: ["/bin/sh", "-c", "id -u > /mnt/as-nobody"], user: "nobody")
        let workload = ServiceHook(command: ["/bin/sh", "-c", "id -u > /mnt/as-workload"])
        let runner = makeHookRunner(id, root: root, shared: shared, driver: driver, command: ["/bin/sleep", "1000"],
                                    postStart: [asRoot, asNobody, workload], user: "1001")
        func owner(_ path: String) -> UInt32? {
            var status = stat()
            return stat(path, &status) == 0 ? status.st_uid : nil
        }
        await runner.run()
        let done = await eventually { await runner.eventHistory.contains { $0.type == "hook-done" } }
        let reasons = await runner.eventHistory.map(\.reason)
        #expect(done, "\(reasons)")
        #expect((try? FileIO.readString(shared + "/as-root")) == "0\n")
        #expect(owner(shared + "/as-root") == 1001)
        #expect((try? FileIO.readString(shared + "/as-nobody")) == "65534\n")
        #expect(owner(shared + "/as-nobody") == 65534)
        #expect((try? FileIO.readString(shared + "/as-workload")) == "1001\n")
        await runner.stop()
    }

    @Test func failingPostStartIsAnEventAndTheInstanceKeepsRunning() async throws {
        let root = try KernelTestEnvironment.temporaryDirectory("postfail")
        let shared = try sharedDirectory(root)
        let driver = try KernelTestEnvironment.driver(root)
        let id = KernelTestEnvironment.uniqueName("postfail")
        defer { Task { await KernelTestEnvironment.cleanUp(root: root, driver: driver, ids: [id]) } }
        let failing = ServiceHook(command: ["/bin/sh", "-c", "echo one; echo two; echo 'no database yet'; exit 3"])
        // A hook after a failing one does not run (as Compose).
        let after = ServiceHook(command: ["/bin/touch", "/mnt/after"])
        let runner = makeHookRunner(id, root: root, shared: shared, driver: driver, command: ["/bin/sleep", "1000"],
                                    postStart: [failing, after])
        await runner.run()
        #expect(await eventually { await runner.eventHistory.contains { $0.type == "hook-failed" } })
        let history = await runner.eventHistory
        #expect(history.first { $0.type == "hook-failed" }?.reason
            == "post_start[0] `/bin/sh -c echo one; echo two; echo 'no database yet'; exit 3` failed (exit code 3): one / two / no database yet")
        #expect(history.map(\.type) == ["starting", "started", "hook-failed"])
        let status = await runner.status
        #expect(status.state == .running && status.ready && status.restartCount == 0)
        #expect(!FileManager.default.fileExists(atPath: shared + "/after"))
        await runner.stop()
    }

    @Test func preStopRunsBeforeTheWorkloadGetsItsStopSignal() async throws {
        let root = try KernelTestEnvironment.temporaryDirectory("prestop")
        let shared = try sharedDirectory(root)
        let driver = try KernelTestEnvironment.driver(root)
        let id = KernelTestEnvironment.uniqueName("prestop")
        defer { Task { await KernelTestEnvironment.cleanUp(root: root, driver: driver, ids: [id]) } }
        // The workload's SIGTERM handler records whether the hook's marker was there.
        let workload = """
            trap 'if [ -e /mnt/marker ]; then echo seen > /mnt/term; else echo missing > /mnt/term; fi; exit 0' TERM
            echo ready; while :; do sleep 0.05; done
            """
        let runner = makeHookRunner(id, root: root, shared: shared, driver: driver, command: ["/bin/sh", "-c", workload],
                                    preStop: [ServiceHook(command: ["/bin/touch", "/mnt/marker"])])
        await runner.run()
        #expect(await eventually { await runner.currentState == .running })
        let handle = try #require(await runner.currentHandle)
        // Stopped only once the trap is set (a SIGTERM before it would end the shell).
        #expect(await eventually { ((try? FileIO.readString(handle.logFile)) ?? "").contains("ready") })
        await runner.stop()
        #expect((try? FileIO.readString(shared + "/term")) == "seen\n")
        let history = await runner.eventHistory
        #expect(history.map(\.type).suffix(3) == ["stopping", "stopping", "exited"])
        #expect(history.first { $0.type == "stopping" }?.reason == "Stopping: running 1 pre_stop hook(s), at most 10s")
        #expect(history.last?.reason == "Exited (code 0)")
    }

    @Test func hangingPreStopIsCutOffAtTheGracePeriodAndTheStopCompletes() async throws {
        let root = try KernelTestEnvironment.temporaryDirectory("prehang")
        let shared = try sharedDirectory(root)
        let driver = try KernelTestEnvironment.driver(root)
        let id = KernelTestEnvironment.uniqueName("prehang")
        defer { Task { await KernelTestEnvironment.cleanUp(root: root, driver: driver, ids: [id]) } }
        let runner = makeHookRunner(id, root: root, shared: shared, driver: driver, command: ["/bin/sleep", "1000"],
                                    preStop: [ServiceHook(command: ["/bin/sh", "-c", "echo waiting; exec sleep 1000"])],
                                    grace: .milliseconds(500))
        await runner.run()
        #expect(await eventually { await runner.currentState == .running })
        await runner.stop()
        let history = await runner.eventHistory
        let failure = try #require(history.first { $0.type == "hook-failed" })
        #expect(failure.reason.hasPrefix("pre_stop[0] `/bin/sh -c echo waiting; exec sleep 1000` failed (no exit code): timeout after"),
                "\(failure.reason)")
        // The stop went on after the hook: the stop signal (and SIGKILL, on a slow machine).
        #expect(history.map(\.type).filter { $0 != "killing" }.suffix(4) == ["stopping", "hook-failed", "stopping", "exited"])
        #expect(await runner.currentState == .exited)
        #expect(KernelTestEnvironment.processesMentioning(id).isEmpty)
    }
}
