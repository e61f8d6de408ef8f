import AICoreRuntime
import AICoreSystem

/// Kubernetes' `tcpSocket`: the check passes when a connection is accepted before the timeout.
struct TCPProber {
    var host: String
    var port: Int

    func check(timeout: Duration) async -> ProbeOutcome {
        let (host, port) = (self.host, self.port)
        let deadline = ContinuousClock.now + timeout
        let outcome = try? await BlockingWork.run { () -> ProbeOutcome in
            do throws(DeadlineSocket.Failure) {
                _ = try DeadlineSocket(host: host, port: port, deadline: deadline)
                return ProbeOutcome(passed: true, output: "connected to \(host):\(port)")
            } catch .timedOut {
                return ProbeOutcome(passed: false, output: "timeout after \(DurationText.format(timeout)) connecting to \(host):\(port)")
            } catch {
                return ProbeOutcome(passed: false, output: error.description)
            }
        }
        return outcome ?? ProbeOutcome(passed: false, output: "no thread to run the check")
    }
}
