import AICoreSpec

/// A `depends_on` condition the plan waits on before starting a dependent: every instance of
/// `service` must satisfy `condition`. A gate that is not `required` never blocks.
public struct Gate: Sendable, Hashable, CustomStringConvertible {
    public var service: String
    public var condition: ServiceDependency.Condition
    public var required: Bool
    /// The dependent that waits.
    public var dependent: String

    public init(service: String, condition: ServiceDependency.Condition, required: Bool = true, dependent: String) {
        self.service = service
        self.condition = condition
        self.required = required
        self.dependent = dependent
    }

    public var description: String {
        "\(dependent) waits for \(service): \(condition.rawValue)\(required ? "" : " (not required)")"
    }
}
