import Testing

/// Starts a `LocalRegistry` for a whole suite and stops it after the suite's last test.
struct LocalRegistryTrait: SuiteTrait, TestScoping {
    var kind: LocalRegistry.Kind

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let registry = try await LocalRegistry.start(kind)
        do {
            try await LocalRegistry.$current.withValue(registry) { try await function() }
        } catch {
            await registry.stop()
            throw error
        }
        await registry.stop()
    }
}

extension Trait where Self == LocalRegistryTrait {
    static func localRegistry(_ kind: LocalRegistry.Kind) -> Self { LocalRegistryTrait(kind: kind) }
}
