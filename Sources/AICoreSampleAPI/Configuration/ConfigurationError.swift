/// A malformed setting in the environment, reported at startup as one line on stderr (exit 2).
public struct ConfigurationError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The environment variable at fault, e.g. `DATABASE_URL`.
    public var variable: String
    /// What is wrong and what was expected. Never echoes a password.
    public var message: String

    public init(variable: String, message: String) {
        self.variable = variable
        self.message = message
    }

    public var description: String { "\(variable): \(message)" }
}
