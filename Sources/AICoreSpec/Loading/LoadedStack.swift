/// A stack that loaded, with the warnings found on the way.
public struct LoadedStack: Sendable {
    public var stack: Stack
    public var warnings: [Diagnostic]
    /// Where each key path was written, for findings made later (by the agent) to be located.
    public var locations: [String: SourceLocation]
    /// The interpolation environment the files were loaded with (process environment, `.env`,
    /// `--env-file`): `config print --show-secrets` looks `environment:` secrets up here.
    public var variables: [String: String] = [:]

    public init(stack: Stack, warnings: [Diagnostic], locations: [String: SourceLocation] = [:]) {
        self.stack = stack
        self.warnings = warnings
        self.locations = locations
    }

    /// Warnings that would make starting the stack change its meaning.
    public var blockingWarnings: [Diagnostic] { warnings.filter(\.blocksRun) }

    /// Where `path` (`services.api.ports[0]`) was written, or its closest parent that was.
    public func locate(_ path: String) -> SourceLocation? { Self.locate(path, in: locations) }

    static func locate(_ path: String, in locations: [String: SourceLocation]) -> SourceLocation? {
        var current = path
        while !current.isEmpty {
            if let location = locations[current] { return location }
            guard let cut = current.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            current = String(current[..<cut])
        }
        return nil
    }
}
