import Foundation
import Logging
@testable import AICoreImages

/// Registry clients for tests: short backoff, always shut down, quiet unless
/// `AICORE_TEST_LOG=debug` (or another level) asks for their logs.
enum TestClient {
    static let fast = RegistryClient.Options(maxAttempts: 3, initialBackoff: .milliseconds(10), maximumBackoff: .milliseconds(40))

    static var logger: Logger {
        var logger = Logger(label: "aicore.images.test")
        logger.logLevel = ProcessInfo.processInfo.environment["AICORE_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }

    static func with<T: Sendable>(
        configuration: RegistryConfiguration = RegistryConfiguration(),
        credentials: RegistryCredentials = .none,
        options: RegistryClient.Options = fast,
        _ body: (RegistryClient) async throws -> T
    ) async throws -> T {
        let client = RegistryClient(configuration: configuration, credentials: credentials, options: options, logger: logger)
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }
}
