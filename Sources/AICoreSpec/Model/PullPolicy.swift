import Foundation

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
    /// Build the image again at every `up` (a service with `build:`); never pulled.
    case build

    /// `pull_policy` as Compose writes it; nil for a value it does not know.
    public init?(parsing text: String) {
        switch text {
        case "missing", "if_not_present": self = .missing
        case "always": self = .always
        case "never": self = .never
        case "build": self = .build
        case "daily": self = .every(.seconds(86_400))
        case "weekly": self = .every(.seconds(7 * 86_400))
        default:
            guard text.hasPrefix("every_"), let duration = DurationSyntax.parse(String(text.dropFirst("every_".count))),
                  duration > .zero else { return nil }
            self = .every(duration)
        }
    }

    /// Whether a pull is due for an image the node last pulled at `pulled` (nil: the node does
    /// not have it). `never` is never due: a missing image is then an error for the caller.
    public func isDue(pulled: Date?, now: Date = Date()) -> Bool {
        switch self {
        case .never: false
        // Built by the node, never pulled.
        case .build: false
        case .missing: pulled == nil
        case .always: true
        case .every(let age): pulled.map { now.timeIntervalSince($0) > Double(age.components.seconds) } ?? true
        }
    }

    /// Of two policies for one image (services that share it), the one that pulls more often.
    public static func stronger(_ a: PullPolicy, _ b: PullPolicy) -> PullPolicy {
        func rank(_ policy: PullPolicy) -> (Int, Double) {
            switch policy {
            case .always: (3, 0)
            case .every(let age): (2, -Double(age.components.seconds))
            case .missing: (1, 0)
            case .never, .build: (0, 0)
            }
        }
        return rank(a) >= rank(b) ? a : b
    }

    public var description: String {
        switch self {
        case .missing: "missing"
        case .always: "always"
        case .never: "never"
        case .build: "build"
        case .every(let duration): duration == .seconds(86_400) ? "daily" : duration == .seconds(7 * 86_400) ? "weekly"
            : "every_\(DurationSyntax.format(duration))"
        }
    }
}
