/// One action of a plan. Steps run in order; the order is the plan's meaning.
public enum ReconcileStep: Sendable, Hashable, CustomStringConvertible {
    /// Why an instance is stopped.
    public enum StopReason: String, Sendable, Hashable {
        /// Its service left the stack.
        case removed
        /// Scaled down: the highest replica numbers go first.
        case scaledDown = "scaled down"
        /// Its service's spec changed; a new instance takes its name.
        case replaced
        /// The stack goes down.
        case down
        /// An operator restarts it (or a dependency it has `restart: true` on).
        case restart
    }

    case createVolume(VolumePlan)
    /// Stop the instance and forget it (its Store record goes).
    case stop(instance: String, service: String, reason: StopReason)
    /// Wait until the gate opens (a required one) before going on.
    case await(Gate)
    /// Start replica `replica` of `service` on `node`.
    case start(instance: String, service: String, replica: Int, node: String)
    /// Record that the instance waits for room, with the scheduler's reason.
    case pending(instance: String, service: String, replica: Int, reason: String)
    /// Roll `service` out to the spec `specHash` with `replicas` replicas (`RolloutEngine`):
    /// replicas of other specs are replaced under its rollout policy.
    case rollout(service: String, specHash: String, replicas: Int)
    /// Record the service's spec hash and replica count once its instances are in place.
    case recordService(service: String, specHash: String, replicas: Int)
    /// Forget a service that left the stack.
    case forgetService(service: String)
    /// `down -v`: remove a named volume's directory and everything in it.
    case removeVolume(name: String, path: String)

    public var description: String {
        switch self {
        case let .createVolume(volume): "create \(volume)"
        case let .stop(instance, _, reason): "stop \(instance) (\(reason.rawValue))"
        case let .await(gate): "await \(gate)"
        case let .start(instance, _, _, node): "start \(instance) on \(node)"
        case let .pending(instance, _, _, reason): "pending \(instance): \(reason)"
        case let .rollout(service, hash, replicas): "roll out \(service) to \(hash) ×\(replicas)"
        case let .recordService(service, hash, replicas): "record \(service) \(hash) ×\(replicas)"
        case let .forgetService(service): "forget \(service)"
        case let .removeVolume(name, path): "remove volume \(name) at \(path)"
        }
    }

    /// Whether the step changes what runs (or will run) on the node.
    public var changesWorkload: Bool {
        switch self {
        case .recordService, .await: false
        default: true
        }
    }
}
