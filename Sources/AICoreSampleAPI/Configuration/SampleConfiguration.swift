/// Everything the sample API reads from its environment, checked at start.
public struct SampleConfiguration: Equatable, Sendable {
    public var host: String
    public var port: Int
    public var version: String
    public var database: DatabaseURL
    public var redis: RedisURL
    public var faults: FaultSettings
    /// `LOG_LEVEL`: trace, debug, info, notice, warning, error or critical.
    public var logLevel: String

    public static let defaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/postgres"
    public static let defaultRedisURL = "redis://127.0.0.1:6379"

    public init(environment: [String: String]) throws(ConfigurationError) {
        func value(_ name: String) -> String? {
            guard let text = environment[name], !text.isEmpty else { return nil }
            return text
        }
        host = value("HOST") ?? "0.0.0.0"
        if let text = value("PORT") {
            guard let port = Int(text), (0...65535).contains(port) else {
                throw ConfigurationError(variable: "PORT", message: "\"\(text)\" is not a port number (0-65535)")
            }
            self.port = port
        } else {
            port = 3000
        }
        version = value("AICORE_SAMPLE_VERSION") ?? "dev"
        database = try DatabaseURL(parsing: value(DatabaseURL.variable) ?? Self.defaultDatabaseURL)
        redis = try RedisURL(parsing: value(RedisURL.variable) ?? Self.defaultRedisURL)
        faults = try FaultSettings(environment: environment)
        logLevel = value("LOG_LEVEL")?.lowercased() ?? "info"
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        guard levels.contains(logLevel) else {
            throw ConfigurationError(
                variable: "LOG_LEVEL", message: "\"\(logLevel)\" is not one of \(levels.joined(separator: ", "))")
        }
    }
}
