import AICoreOS
import AICoreStore
import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing
@testable import AICoreSupervisor

/// The real `aicore-node supervise`, killed with SIGKILL in a loop while its instances run and
/// restart: nothing is restarted because of it, nothing lost, nothing duplicated.
@Suite(.serialized, .enabled(if: KernelTestEnvironment.isRoot, "kernel tests need root"))
struct SuperviseKillTests {
    final class Agent: @unchecked Sendable {  // used by one test at a time
        let process: ChildProcess
        init(stack: String, stateDir: String, output: String) throws {
            // Each agent appends after the last one's output. ChildProcess, not Foundation's
            // Process: the child gets only 0, 1 and 2, never another test's sockets.
            let script = "exec \"$0\" \"$@\" </dev/null >>'\(output)' 2>&1"
            process = try ChildProcess.spawn("/bin/sh", ["-c", script, KernelTestEnvironment.binary, "supervise",
                                                         "--state-dir", stateDir, "-f", stack], discardOutput: true)
        }
        func kill9() {
            process.signal(SIGKILL)
            _ = process.waitForExit()
        }
        func terminate() {
            process.signal(SIGTERM)
            _ = process.waitForExit()
        }
    }

    func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Whatever a failed run left running: an agent re-adopts it and, told to stop, stops it.
    func cleanUp(marker: String, stack: String, stateDir: String, output: String, dir: String) async {
        if !KernelTestEnvironment.processesMentioning(marker).isEmpty,
           let agent = try? Agent(stack: stack, stateDir: stateDir, output: output) {
            let before = lines(output).count
            // SIGTERM before it has taken the instances on would leave them running.
            _ = await eventually { lines(output).count > before }
            _ = try? await offload { agent.terminate() }
        }
        try? FileIO.removeTree(dir)
    }

    func writeStack(_ dir: String, marker: String) throws -> String {
        let stack = """
        name: \(marker)
        services:
          steady:
            command: ["/bin/sh", "-c", "cat /proc/sys/kernel/random/uuid >> /mnt/steady-starts; exec sleep 1000"]
            volumes: ["\(dir)/data:/mnt"]
            restart: always
          flaky:
            command: ["/bin/sh", "-c", "cat /proc/sys/kernel/random/uuid >> /mnt/flaky-starts; sleep 0.2; exit 1"]
            volumes: ["\(dir)/data:/mnt"]
            deploy:
              restart_policy:
                condition: on-failure
                delay: 10ms
        """
        try FileIO.makeDirectories(dir + "/data")
        try FileIO.write(dir + "/stack.yml", stack)
        return dir + "/stack.yml"
    }

    @Test func killMinus9InALoopRestartsNothingAndLosesNoExit() async throws {
        let dir = try KernelTestEnvironment.temporaryDirectory("kill9")
        let marker = "k\(UInt32.random(in: 0...UInt32.max))"
        let stack = try writeStack(dir, marker: marker)
        let stateDir = dir + "/state"
        let output = dir + "/agent.log"
        do {
            func flakyEvents() -> Int { lines(output).filter { $0.contains("\(marker)-flaky-1") }.count }
            for round in 0..<5 {
                let flakyBefore = flakyEvents()
                let agent = try Agent(stack: stack, stateDir: stateDir, output: output)
                #expect(await eventually { lines(dir + "/data/steady-starts").count == 1 })
                // Every agent after the first re-adopts the steady instance before it is killed (its
                // line can come after a flaky restart on a loaded machine).
                #expect(await eventually {
                    lines(output).filter { $0.contains("\(marker)-steady-1 running adopted") }.count >= round
                }, "round \(round)")
                // Let this agent take the flaky instance on (a start, an exit, a back-off: its
                // back-off doubles from 10 ms, so by the later rounds the next start can be longer
                // away than any fixed wait), then kill it mid-flight.
                #expect(await eventually { flakyEvents() > flakyBefore }, "round \(round)")
                _ = try? await offload { agent.kill9() }
                // The workload outlives the agent.
                #expect(lines(dir + "/data/steady-starts").count == 1)
            }
            let last = try Agent(stack: stack, stateDir: stateDir, output: output)
            // Five agents re-adopted it: the four after the first, and this one.
            #expect(await eventually { lines(output).filter { $0.contains("\(marker)-steady-1 running adopted") }.count == 5 })
            #expect(await eventually { lines(dir + "/data/flaky-starts").count >= 2 })
            _ = try? await offload { last.terminate() }

            // Never restarted because of an agent: one start of the steady workload in seven agents.
            #expect(lines(dir + "/data/steady-starts").count == 1)
            #expect(lines(output).filter { $0.contains("\(marker)-steady-1 running adopted") }.count == 5, "\(lines(output).filter { $0.contains("steady") })")
            // Every exit of the flaky one accounted for: one exit event per start.
            let store = try SQLiteStore(path: stateDir + "/state.db")
            let events = try await store.events(instance: "\(marker)-flaky-1", limit: 100_000)
            let exits = events.filter { $0.type == "exited" && ($0.reason.hasPrefix("Exited (") || $0.reason.hasPrefix("Killed by")) }
            let starts = lines(dir + "/data/flaky-starts")
            // The last agent's SIGTERM stops the flaky one wherever it is: a stop that lands between
            // its start and its write of the start line is an exit without a line.
            let stoppedBeforeItsLine = events.last?.reason.hasPrefix("Killed by signal 15") == true
                && events.dropLast().last?.reason.hasPrefix("Stopping") == true
            #expect(exits.count == starts.count || (stoppedBeforeItsLine && exits.count == starts.count + 1),
                    "\(starts.count) starts, \(exits.count) exits: \(events.map(\.reason))")
            #expect(Set(starts).count == starts.count)
            // Nothing left running.
            #expect(KernelTestEnvironment.processesMentioning(marker).isEmpty)
            let steady = try await store.instance(id: "\(marker)-steady-1")
            #expect(steady?.state == .exited)
            #expect(steady?.restartCount == 0)
        } catch {
            await cleanUp(marker: marker, stack: stack, stateDir: stateDir, output: output, dir: dir)
            throw error
        }
        await cleanUp(marker: marker, stack: stack, stateDir: stateDir, output: output, dir: dir)
    }

    @Test func anAgentRestartedDuringABackoffResumesIt() async throws {
        let dir = try KernelTestEnvironment.temporaryDirectory("backoff")
        let marker = "b\(UInt32.random(in: 0...UInt32.max))"
        let stateDir = dir + "/state"
        let output = dir + "/agent.log"
        try FileIO.makeDirectories(dir + "/data")
        try FileIO.write(dir + "/stack.yml", """
        name: \(marker)
        services:
          once:
            command: ["/bin/sh", "-c", "echo x >> /mnt/starts; exit 2"]
            volumes: ["\(dir)/data:/mnt"]
            deploy:
              restart_policy:
                condition: on-failure
                delay: 3s
        """)
        defer { try? FileIO.removeTree(dir) }
        let first = try Agent(stack: dir + "/stack.yml", stateDir: stateDir, output: output)
        #expect(await eventually { lines(output).contains { $0.contains("backoff: Back-off 3") } })
        // Killed once the Store has the back-off (its writes trail the events a little).
        let reader = try SQLiteStore(path: stateDir + "/state.db")
        #expect(await eventually { (try? await reader.instance(id: "\(marker)-once-1"))?.state == .backoff })
        _ = try? await offload { first.kill9() }
        #expect(lines(dir + "/data/starts").count == 1)
        let second = try Agent(stack: dir + "/stack.yml", stateDir: stateDir, output: output)
        #expect(await eventually { lines(output).contains { $0.contains("left restarting failed instance (resumed after an agent restart)") } })
        // The back-off is served once, then the instance starts again, exactly once.
        #expect(await eventually { lines(dir + "/data/starts").count == 2 })
        #expect(await eventually { lines(output).contains { $0.contains("backoff: Back-off 6") } })
        _ = try? await offload { second.terminate() }
        #expect(lines(dir + "/data/starts").count == 2)
        let store = try SQLiteStore(path: stateDir + "/state.db")
        let record = try await store.instance(id: "\(marker)-once-1")
        #expect(record?.restartCount == 2)
    }

    @Test func anAgentRestartedWithinTheWindowGoesOnCountingItsAttempts() async throws {
        let dir = try KernelTestEnvironment.temporaryDirectory("window")
        let marker = "w\(UInt32.random(in: 0...UInt32.max))"
        let stateDir = dir + "/state"
        let output = dir + "/agent.log"
        try FileIO.makeDirectories(dir + "/data")
        try FileIO.write(dir + "/stack.yml", """
        name: \(marker)
        services:
          crashy:
            command: ["/bin/sh", "-c", "echo x >> /mnt/starts; sleep 1; exit 2"]
            volumes: ["\(dir)/data:/mnt"]
            deploy:
              restart_policy:
                condition: on-failure
                delay: 10ms
                max_attempts: 2
                window: 1h
        """)
        defer { try? FileIO.removeTree(dir) }
        let first = try Agent(stack: dir + "/stack.yml", stateDir: stateDir, output: output)
        // One restart is spent under the first agent (the Store has it before the start it allows).
        #expect(await eventually { lines(dir + "/data/starts").count == 2 })
        _ = try? await offload { first.kill9() }
        let second = try Agent(stack: dir + "/stack.yml", stateDir: stateDir, output: output)
        // The second agent has one attempt left of the two in the window, not two afresh.
        let reader = try SQLiteStore(path: stateDir + "/state.db")
        #expect(await eventually { (try? await reader.instance(id: "\(marker)-crashy-1"))?.state == .failed })
        _ = try? await offload { second.terminate() }
        #expect(lines(dir + "/data/starts").count == 3)
        #expect(lines(output).contains { $0.contains("Restart budget spent: 2 of max_attempts 2 used within ") })
        let record = try await reader.instance(id: "\(marker)-crashy-1")
        #expect(record?.restartAttempts.count == 2)
        #expect(KernelTestEnvironment.processesMentioning(marker).isEmpty)
    }
}
