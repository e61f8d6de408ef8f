import AICoreErrors
import Testing

/// The error `body` throws, which must be an `AICoreError` (anything else is recorded as an
/// issue); nil when it throws nothing.
func thrownError(_ body: () async throws -> Void) async -> AICoreError? {
    do {
        try await body()
        return nil
    } catch let error as AICoreError {
        return error
    } catch {
        Issue.record("expected an AICoreError, got \(error)")
        return nil
    }
}
