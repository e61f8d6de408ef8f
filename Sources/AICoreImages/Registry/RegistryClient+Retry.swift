import AICoreErrors
import Logging

extension RegistryClient {
    /// Runs `body` until it succeeds, fails for good, or has failed `options.maxAttempts` times
    /// in a row with something that may pass (the network, a stall, a 5xx), pausing between
    /// tries: `initialBackoff`, doubled each time, at most `maximumBackoff`.
    nonisolated func retrying<T: Sendable>(_ what: String, _ body: () async throws(AICoreError) -> T) async throws(AICoreError) -> T {
        var attempt = 0
        while true {
            attempt += 1
            do throws(AICoreError) {
                return try await body()
            } catch {
                guard RegistryClient.isRetryable(error), attempt < options.maxAttempts else { throw error }
                try await backOff(after: attempt, what: what, error: error)
            }
        }
    }

    /// The pause after failure number `attempt` (1-based).
    nonisolated func backOff(after attempt: Int, what: String, error: AICoreError) async throws(AICoreError) {
        var delay = options.initialBackoff
        for _ in 1..<max(1, attempt) {
            delay = min(delay * 2, options.maximumBackoff)
        }
        logger.info("retrying a registry request", metadata: ["what": "\(what)", "attempt": "\(attempt + 1)", "delay": "\(delay)", "error": "\(error.message)"])
        do {
            try await Task.sleep(for: delay)
        } catch {
            throw AICoreError(.cancelled, "\(what): cancelled", cause: error)
        }
    }
}
