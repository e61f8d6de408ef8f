/// How many ready replicas voluntary disruption (rollouts, `restart`) must leave, like a Kubernetes PDB.
public enum DisruptionBudget: Sendable, Hashable {
    case minAvailable(IntOrPercent)
    case maxUnavailable(IntOrPercent)
}
