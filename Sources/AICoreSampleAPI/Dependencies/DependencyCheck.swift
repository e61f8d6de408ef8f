/// The outcome of checking one dependency.
public struct DependencyCheck: Codable, Equatable, Sendable {
    public var ok: Bool
    /// Why it failed; nil when ok.
    public var error: String?
    public var milliseconds: Int

    public init(ok: Bool, error: String? = nil, milliseconds: Int) {
        self.ok = ok
        self.error = error
        self.milliseconds = milliseconds
    }
}
