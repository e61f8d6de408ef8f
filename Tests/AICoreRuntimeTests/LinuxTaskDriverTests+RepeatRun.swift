import Foundation
import AICoreTestSupport
import Synchronization
import Testing
import AICoreOS
@testable import AICoreRuntime

/// `repeatRun`: exec healthchecks repeated by the shared `ExecCheckScheduler` over the
/// instance init's exec channel, as often as the owner's policy says, reporting only the
/// results the policy wants reported. (Compose's own timing is `CheckTiming`'s, in the
/// supervisor: CheckTimingTests.)
extension LinuxTaskDriverTests {
    /// What a test's `notify` saw: the results it took at each notification, in order.
    final class Notifications: Sendable {
        private let batches = Mutex<[[RepeatedRunResult]]>([])
        /// The run, once `repeatRun` returned it; whether a notification came before that (the
        /// first check starts at once).
        private let run = Mutex<(run: (any RepeatedRun)?, missed: Bool)>((nil, false))

        func attach(_ repeated: any RepeatedRun) {
            let missed = run.withLock { state -> Bool in
                state.run = repeated
                return state.missed
            }
            if missed { notified() }
        }

        /// Called on the scheduler's thread, which waits for it: the take sees exactly the
        /// results up to the one that caused the notification.
        func notified() {
            guard let repeated = run.withLock({ state -> (any RepeatedRun)? in
                if state.run == nil { state.missed = true }
                return state.run
            }) else { return }
            let taken = repeated.take()
            batches.withLock { $0.append(taken) }
        }

        var all: [[RepeatedRunResult]] { batches.withLock { $0 } }
        var results: [RepeatedRunResult] { all.flatMap { $0 } }
    }

    /// A policy of fixed pauses (one until the first pass, one after it) that reports every
    /// result except a pass that follows a pass.
    struct QuietPassesPolicy: RepeatPolicy {
        var untilPassed: Duration
        var afterPassed: Duration
        private var everPassed = false
        private var lastPassed = false

        init(untilPassed: Duration, afterPassed: Duration) {
            self.untilPassed = untilPassed
            self.afterPassed = afterPassed
        }

        mutating func next(afterRunThatPassed passed: Bool, elapsed: Duration) -> RepeatStep {
            if passed { everPassed = true }
            defer { lastPassed = passed }
            return RepeatStep(after: everPassed ? afterPassed : untilPassed, report: !(passed && lastPassed))
        }
    }

    func plan(interval: Duration = .milliseconds(50), afterPass: Duration? = nil, timeout: Duration = .seconds(10)) -> RepeatPlan {
        RepeatPlan(firstAfter: .zero, timeout: timeout, outputLimit: 4096, kept: 5,
                   policy: QuietPassesPolicy(untilPassed: interval, afterPassed: afterPass ?? interval))
    }

    func repeatRun(_ handle: TaskHandle, _ command: [String], _ plan: RepeatPlan) throws -> (any RepeatedRun, Notifications) {
        let notifications = Notifications()
        let repeated = try #require(driver.repeatRun(handle, command: command, plan: plan) { notifications.notified() })
        notifications.attach(repeated)
        return (repeated, notifications)
    }

    @Test func repeatRunTellsOnlyOfTheResultsItsPolicyReports() async throws {
        let handle = try await driver.startRemovedAfterTest(spec(TestEnvironment.uniqueName("rr-pass"), ["sleep", "30"], user: "1001"))
        let (repeated, notifications) = try repeatRun(handle, ["sh", "-c", "echo ok; id -u"], plan())
        defer { repeated.cancel() }
        #expect(await eventually { repeated.recent().count == 5 })
        let recent = repeated.recent()
        for result in recent {
            #expect(try result.outcome.get() == ExecOutcome(ending: .exited(.exited(0)), output: "ok\n1001\n"))
            #expect(result.started <= result.ended)
        }
        #expect(zip(recent, recent.dropFirst()).allSatisfy { $0.ended <= $1.started }, "oldest first, one at a time")
        // Five passes: the policy reported only the first.
        #expect(notifications.all.count == 1)
        #expect(notifications.results.count == 1)
        // The quiet ones are there for the next take.
        #expect(!repeated.take().isEmpty)
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
    }

    @Test func repeatRunTellsOfEveryFailureAndOfThePassThatEndsThem() async throws {
        let handle = try await driver.startRemovedAfterTest(spec(TestEnvironment.uniqueName("rr-flip"), ["sleep", "30"]))
        // pass, pass, fail, fail, pass, pass, fail, fail, ... (counted in the instance's own /tmp,
        // which every check sees)
        let script = "n=$(cat /tmp/n 2>/dev/null || echo 0); echo $((n + 1)) > /tmp/n; echo run $n; [ $((n % 4)) -lt 2 ]"
        let (repeated, notifications) = try repeatRun(handle, ["sh", "-c", script], plan())
        #expect(await eventually { notifications.results.count >= 10 })
        repeated.cancel()
        let batches = notifications.all
        // Each notification came for a failure or for the first pass after a failure (or the
        // very first): never for a pass that followed a pass.
        var previousPassed: Bool?
        for batch in batches {
            let last = try #require(batch.last)
            let passed = (try? last.outcome.get().ending) == .exited(.exited(0))
            #expect(!(passed && previousPassed == true), "notified for a pass after a pass")
            previousPassed = passed
        }
        let taken = notifications.results
        for (i, result) in taken.enumerated() {
            let outcome = try result.outcome.get()
            #expect(outcome.output == "run \(i)\n", "taken in order, none lost")
            #expect(outcome.ending == .exited(.exited(i % 4 < 2 ? 0 : 1)))
        }
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
    }

    @Test func repeatRunRunsAgainWhenItsPolicySays() async throws {
        let handle = try await driver.startRemovedAfterTest(spec(TestEnvironment.uniqueName("rr-start"), ["sleep", "30"]))
        // Fails twice, then passes. The policy waits 50 ms after a failure and 400 ms after a
        // pass: the pauses between the runs say which the scheduler was given.
        // (The count lives in the instance's own /tmp, which every check sees; the first check
        // may come before the workload runs anything, so nothing else may write it.)
        let script = "n=$(cat /tmp/n 2>/dev/null || echo 0); echo $((n + 1)) > /tmp/n; [ $n -ge 2 ]"
        let (repeated, _) = try repeatRun(handle, ["sh", "-c", script], plan(interval: .milliseconds(50), afterPass: .milliseconds(400)))
        defer { repeated.cancel() }
        #expect(await eventually { repeated.recent().count == 5 })
        let runs = repeated.recent()
        #expect(runs.map(\.passed) == [false, false, true, true, true])
        let pauses = zip(runs, runs.dropFirst()).map { Duration.nanoseconds($1.started - $0.ended) }
        // Checks due within the scheduler's 10 ms batch window start together: at most that early.
        #expect(pauses[0] >= .milliseconds(40) && pauses[1] >= .milliseconds(40), "\(pauses)")
        #expect(pauses[2] >= .milliseconds(390) && pauses[3] >= .milliseconds(390), "\(pauses)")
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
    }

    @Test func repeatRunKillsACheckAtItsTimeoutAndGoesOn() async throws {
        let handle = try await driver.startRemovedAfterTest(spec(TestEnvironment.uniqueName("rr-timeout"), ["sleep", "30"]))
        // The timeout must leave room for the shell to print its line: 300 ms was too little in
        // the cgroup v2 VM, which emulates its CPU (no KVM), under load (it failed 2 runs of 4).
        let (repeated, notifications) = try repeatRun(handle, ["sh", "-c", "echo started; exec sleep 30"],
                                                      plan(interval: .milliseconds(200), timeout: .seconds(2)))
        #expect(await eventually { notifications.results.count >= 2 })
        repeated.cancel()
        for result in notifications.results.prefix(2) {
            #expect(try result.outcome.get() == ExecOutcome(ending: .timedOut, output: "started\n"))
        }
        // Each timed-out check was killed by the init, and the cancel killed any under way:
        // only the init and the workload remain.
        #expect(await eventually { processesInCgroup(handle) == 2 })
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
    }

    @Test func repeatRunReportsAProgramThatCannotStart() async throws {
        let handle = try await driver.startRemovedAfterTest(spec(TestEnvironment.uniqueName("rr-missing"), ["sleep", "30"]))
        let (repeated, notifications) = try repeatRun(handle, ["/no/such/program"], plan())
        defer { repeated.cancel() }
        #expect(await eventually { notifications.results.count >= 2 })
        for result in notifications.results.prefix(2) {
            guard case let .failure(error) = result.outcome else {
                Issue.record("a missing program ran")
                continue
            }
            #expect(error.exitCode == 127)
            #expect(error.message.contains("/no/such/program"), "\(error.message)")
        }
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
    }

    @Test func cancelledRepeatRunMakesNoMoreChecksAndLetsGoOfItsConnection() async throws {
        let handle = try await driver.startRemovedAfterTest(spec(TestEnvironment.uniqueName("rr-cancel"), ["sleep", "30"]))
        let (repeated, _) = try repeatRun(handle, ["true"], plan())
        #expect(await eventually { repeated.recent().count == 5 })
        // Five checks over one kept connection: the listener and that one.
        #expect(initSockets(handle) == 2)
        repeated.cancel()
        #expect(repeated.recent().isEmpty)
        #expect(await eventually { initSockets(handle) == 1 })
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
    }

    @Test func repeatRunOfAnInstanceThatEndedSaysItIsNotRunning() async throws {
        let handle = try await driver.startRemovedAfterTest(spec(TestEnvironment.uniqueName("rr-ended"), ["sleep", "30"]))
        let (repeated, notifications) = try repeatRun(handle, ["true"], plan(interval: .milliseconds(100)))
        defer { repeated.cancel() }
        #expect(await eventually { !notifications.results.isEmpty })
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
        // Checks caught in the teardown may fail otherwise (the init's socket already closed);
        // once the instance has ended, every check says so.
        #expect(await eventually {
            notifications.results.contains { if case let .failure(error) = $0.outcome { error.code == .notFound } else { false } }
        }, "\(notifications.results.map(\.outcome))")
    }
}
