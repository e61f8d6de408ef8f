/// The answer of a dry run (`POST /v1/stacks/validate`): the stack would be accepted as it
/// stands; a stack that would not gets the problem document `apply` would send instead.
public struct ValidationMessage: Codable, Sendable, Equatable {
    /// Always true: an invalid stack is a problem document, not this.
    public var valid: Bool
    /// The loader's warnings, located (`FILE:LINE:COLUMN: warning: …`).
    public var warnings: [String]

    public init(valid: Bool = true, warnings: [String]) {
        self.valid = valid
        self.warnings = warnings
    }
}
