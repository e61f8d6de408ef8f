import AICoreErrors
import AICoreSpec
import AICoreStore

#if canImport(Glibc)
import Glibc
#endif

/// Compose's `kill`: a signal to a service's running instances.
extension ControlPlane {
    /// Signals the init forwards to the workload; SIGKILL ends the whole instance. The init
    /// (PID 1 of the instance's pid namespace) takes no other signal from outside it.
    static let killableSignals: Set<Int32> = [SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGQUIT, SIGKILL]

    /// Sends `signal` to each running instance of the service; returns their names.
    public func kill(_ name: String, service: String, signal text: String?) async throws(AICoreError) -> InstanceActionResult {
        let signal = try Self.killSignal(text)
        let records = try await serviceRecords(name, service: service)
        var sent: [String] = []
        var skipped: [String] = []
        for record in records {
            guard record.state.isActive, record.state != .starting else {
                skipped.append(record.id)
                continue
            }
            do {
                try await agent.signal(stack: name, instance: record.id, signal: signal.number, name: signal.name)
                sent.append(record.id)
            } catch let error as AICoreError where error.code == .conflict {
                skipped.append(record.id)
            } catch {
                throw AICoreError(.internalError, "cannot signal \(record.id): \(error)", cause: error)
            }
        }
        return InstanceActionResult(instances: sent, skipped: skipped)
    }

    static func killSignal(_ text: String?) throws(AICoreError) -> StopSignal {
        guard let text else { return .kill }
        guard let signal = StopSignal(parsing: text) else {
            throw AICoreError(.invalidSpec, "\(text) is not a signal; name one such as SIGTERM, HUP or 9")
        }
        guard killableSignals.contains(signal.number) else {
            throw AICoreError(.invalidSpec, "an instance takes only SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGQUIT (forwarded to its workload by its init) and SIGKILL, not \(signal.name); `pause` freezes it")
        }
        return signal
    }
}
