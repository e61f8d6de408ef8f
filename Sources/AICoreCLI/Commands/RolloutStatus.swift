import AICoreServer
import AICoreSpec
import ArgumentParser
import Foundation

extension RolloutCommand {
    /// `aicore-node rollout status SERVICE`: follows the rollout until it ends, as
    /// `kubectl rollout status` does.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Follow a service's rollout until it completes, fails or is paused.",
            discussion: """
                Prints a line whenever the rollout moves on, then how it ended. Exits 0 when it \
                completed; 1 when it failed, was rolled back or is paused (with the reason), or \
                when --timeout passed first. With --no-watch it prints where the rollout stands \
                once, and exits 0 unless it failed, was rolled back or is paused.

                  $ aicore-node set env api LOG_LEVEL=debug
                  $ aicore-node rollout status api
                  Waiting for rollout to finish: 1 of 3 new replicas have been updated...
                  Waiting for rollout to finish: 2 of 3 updated replicas are ready...
                  rollout of api to revision 3 complete
                """
        )

        @OptionGroup var target: ServiceTarget

        @Option(name: .long, help: ArgumentHelp("How long to wait at most, e.g. 90s or 5m (a bare number is seconds); 0 waits until the rollout ends.", valueName: "DURATION"))
        var timeout: String = "0"

        @Flag(name: .long, inversion: .prefixedNo, help: "Follow the rollout until it ends (--no-watch: print its state once).")
        var watch = true

        static let interval: Duration = .milliseconds(500)

        func validate() throws {
            guard Self.duration(timeout) != nil else {
                throw ValidationError("--timeout \(timeout): expected a duration such as 90s, 5m or 1m30s")
            }
        }

        func run() async throws {
            let limit = Self.duration(timeout) ?? .zero
            let (client, _, path) = try await target.resolve()
            let deadline = limit > .zero ? ContinuousClock.now + limit : nil
            var last: String?
            while true {
                let status = try await client.call("GET", path + "/rollout", as: RolloutStatus.self)
                if let failure = Self.failure(status, service: target.service) { throw CLIFailure.failed(failure) }
                let line = Self.describe(status)
                if line != last { Output.line(line) }
                last = line
                if status.state == "complete" || !watch { return }
                if let deadline, ContinuousClock.now + Self.interval > deadline {
                    throw CLIFailure.failed("the rollout of \(target.service) did not finish within \(timeout) (still \(status.state.replacingOccurrences(of: "_", with: " ")))")
                }
                try await Task.sleep(for: Self.interval)
            }
        }

        /// `--timeout`: Go's duration syntax, or a bare number of seconds.
        static func duration(_ text: String) -> Duration? {
            if let seconds = Double(text), seconds >= 0, seconds < DurationSyntax.maximumSeconds { return .milliseconds(Int64(seconds * 1000)) }
            return DurationSyntax.parse(text)
        }

        /// One line for where a rollout that has not failed stands.
        static func describe(_ status: RolloutStatus) -> String {
            switch status.state {
            case "complete":
                return "rollout of \(status.service) to revision \(status.revision) complete"
            default:
                let what = status.state == "rolling_back" ? "rollback to revision \(status.revision)" : "rollout"
                if status.updated < status.replicas {
                    return "Waiting for \(what) to finish: \(status.updated) of \(status.replicas) new replicas have been updated..."
                }
                if status.old > 0 {
                    return "Waiting for \(what) to finish: \(status.old) old replica\(status.old == 1 ? " is" : "s are") pending termination..."
                }
                return "Waiting for \(what) to finish: \(status.ready) of \(status.replicas) updated replicas are ready..."
            }
        }

        /// Why `rollout status` fails: the rollout failed, was rolled back, or is paused.
        static func failure(_ status: RolloutStatus, service: String) -> String? {
            let reason = status.reason.map { ": \($0)" } ?? ""
            switch status.state {
            case "failed":
                return "the rollout of \(service) to revision \(status.revision) failed\(reason)"
            case "rolled_back":
                return "the rollout of \(service) failed and was rolled back to revision \(status.revision)\(reason)"
            case "paused":
                let why = status.reason.map { ": \($0)" } ?? " by the operator"
                return "the rollout of \(service) to revision \(status.revision) is paused\(why); `rollout resume \(service)` goes on, `rollout undo \(service)` goes back"
            default:
                return nil
            }
        }
    }
}
