/// What a CronJob does when an activation is due while an earlier run is still active
/// (Kubernetes' `concurrencyPolicy`).
public enum CronJobConcurrencyPolicy: Sendable, Hashable, CaseIterable {
    /// Start the new run beside the active ones (Kubernetes' default).
    case allow
    /// Skip the activation; it is not retried once the active run ends.
    case forbid
    /// Stop every active run, then start the new one.
    case replace
}
