/// A count or a percentage of replicas, as Kubernetes writes `maxSurge: 25%` or `minAvailable: 2`.
public enum IntOrPercent: Sendable, Hashable, CustomStringConvertible {
    case count(Int)
    case percent(Int)

    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasSuffix("%") {
            guard let value = Int(trimmed.dropLast()), (0...100).contains(value) else { return nil }
            self = .percent(value)
        } else {
            guard let value = Int(trimmed), value >= 0 else { return nil }
            self = .count(value)
        }
    }

    /// Resolves against a replica count; `roundUp` as Kubernetes does for surge, down for unavailable.
    public func resolve(of total: Int, roundUp: Bool) -> Int {
        switch self {
        case .count(let value):
            return value
        case .percent(let value):
            let exact = Double(total * value) / 100
            return Int(roundUp ? exact.rounded(.up) : exact.rounded(.down))
        }
    }

    public var description: String {
        switch self {
        case .count(let value): return "\(value)"
        case .percent(let value): return "\(value)%"
        }
    }
}
