/// When `up` pulls a service's image (Compose's `pull_policy`).
public enum PullPolicy: Sendable, Hashable, CustomStringConvertible {
    /// Pull only when the node does not have the image (Compose's default; `if_not_present`).
    case missing
    /// Pull at every `up`, even when the node has the image.
    case always
    /// Never pull: the image must be on the node (`image load`), else the service fails to start.
    case never
    /// Pull when the node's copy was pulled more than this long ago (`daily`, `weekly`,
    /// `every_12h`).
    case every(Duration)

    /// `pull_policy` as Compose writes it; nil for a value it does not know.
    public init?(parsing text: String) {
        switch text {
        case "missing", "if_not_present": self = .missing
        case "always": self = .always
        case "never": self = .never
        case "daily": self = .every(.seconds(86_400))
        case "weekly": self = .every(.seconds(7 * 86_400))
        default:
            guard text.hasPrefix("every_"), let duration = DurationSyntax.parse(String(text.dropFirst("every_".count))),
                  duration > .zero else { return nil }
            self = .every(duration)
        }
    }

    public var description: String {
        switch self {
        case .missing: "missing"
        case .always: "always"
        case .never: "never"
        case .every(let duration): duration == .seconds(86_400) ? "daily" : duration == .seconds(7 * 86_400) ? "weekly"
            : "every_\(DurationSyntax.format(duration))"
        }
    }
}
