/// Which policy wins when several apply.
public enum SelectPolicy: Sendable, Hashable {
    /// The policy allowing the largest change.
    case max
    /// The policy allowing the smallest change.
    case min
    /// No change in this direction at all.
    case disabled
}
