/// Random spread added to each back-off so that instances which failed together do not restart
/// in lockstep. Injectable so that tests compute exact curves.
public struct Jitter: Sendable {
    /// At most this fraction of the delay is added (0.1: up to +10%).
    public var fraction: Double
    /// A number in [0, 1).
    public var unit: @Sendable () -> Double

    public init(fraction: Double, unit: @escaping @Sendable () -> Double) {
        self.fraction = fraction
        self.unit = unit
    }

    /// Up to +10%, from the system's random source.
    public static let standard = Jitter(fraction: 0.1) { Double.random(in: 0..<1) }
    /// No spread: the exact doubling curve.
    public static let none = Jitter(fraction: 0) { 0 }
    /// Always the same draw `u` (tests).
    public static func fixed(_ u: Double, fraction: Double = 0.1) -> Jitter { Jitter(fraction: fraction) { u } }

    /// `delay` shortened by up to `share` of it (unchanged without jitter): the first of a series
    /// of periodic checks, so that instances started together do not check in the same instant.
    func earlier(_ delay: Duration, upTo share: Double) -> Duration {
        guard fraction > 0 else { return delay }
        return delay - delay * (share * min(max(unit(), 0), 1))
    }

    func apply(to delay: Duration) -> Duration {
        let draw = min(max(unit(), 0), 1)
        return delay + delay * (fraction * draw)
    }
}
