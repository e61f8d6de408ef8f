/// One finding about a stack file: an error, or a warning that may block running the stack.
///
/// Rendered on one line, like a compiler:
/// `FILE:LINE:COLUMN: error: services.api.deploy.replicas: expected a non-negative integer, found "three"`.
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    /// What kind of finding this is; `unsupported` warnings become errors under `--strict`
    /// and when the stack is started, because ignoring them would change behaviour.
    public enum Kind: String, Sendable, Hashable {
        case invalid
        case unsupported
        case ignored
        case unsetVariable
        case notice
        /// Docker Compose usage that validates but fails when the instance starts, because
        /// instances run from the host's root filesystem on the host network; a warning, also
        /// under `--strict`, until images and networking exist.
        case composeHabit
    }

    public var severity: Severity
    public var kind: Kind
    public var location: SourceLocation?
    /// Dotted key path, e.g. `services.api.ports[0].published`; empty for file-level findings.
    public var keyPath: String
    public var message: String

    public init(
        severity: Severity, kind: Kind, location: SourceLocation?, keyPath: String, message: String
    ) {
        self.severity = severity
        self.kind = kind
        self.location = location
        self.keyPath = keyPath
        self.message = message
    }

    public static func error(_ message: String, at location: SourceLocation?, path: String) -> Diagnostic {
        Diagnostic(severity: .error, kind: .invalid, location: location, keyPath: path, message: message)
    }

    public var isError: Bool { severity == .error }

    /// True for a warning that `--strict` (and starting the stack) turns into an error.
    public var blocksRun: Bool { kind == .unsupported }

    /// The same finding as an error, for strict mode.
    public func promotedToError() -> Diagnostic {
        var copy = self
        copy.severity = .error
        return copy
    }

    public var description: String {
        var text = ""
        if let location { text += "\(location): " }
        text += "\(severity.rawValue): "
        if !keyPath.isEmpty { text += "\(keyPath): " }
        return text + message
    }
}
