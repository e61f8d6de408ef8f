/// How far the usage ratio may stray from 1.0 before the autoscaler acts, per direction.
public struct Tolerances: Sendable, Hashable {
    /// Fraction below the target that is still tolerated (0.1 means down to 90 %).
    public var scaleDown: Double
    /// Fraction above the target that is still tolerated (0.1 means up to 110 %).
    public var scaleUp: Double

    public init(scaleDown: Double, scaleUp: Double) {
        self.scaleDown = scaleDown
        self.scaleUp = scaleUp
    }

    /// Kubernetes' `--horizontal-pod-autoscaler-tolerance` default.
    public static let `default` = Tolerances(scaleDown: 0.1, scaleUp: 0.1)

    /// True when a usage ratio is close enough to 1.0 that the replica count should not change.
    public func isWithin(_ usageRatio: Double) -> Bool {
        (1.0 - scaleDown) <= usageRatio && usageRatio <= (1.0 + scaleUp)
    }
}
