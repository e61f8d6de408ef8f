/// `REDIS_URL`: `redis://[:password@]host[:port][/db]`.
public struct RedisURL: Equatable, Sendable {
    public var host: String
    public var port: Int
    public var password: String?
    public var database: Int?

    public static let variable = "REDIS_URL"
    static let expected = "expected redis://host:port"

    public init(host: String, port: Int = 6379, password: String? = nil, database: Int? = nil) {
        self.host = host
        self.port = port
        self.password = password
        self.database = database
    }

    public init(parsing text: String) throws(ConfigurationError) {
        func fail(_ problem: String) -> ConfigurationError {
            ConfigurationError(variable: Self.variable, message: "\(problem) (\(Self.expected))")
        }
        let parts = try URLParts(text, schemes: ["redis"], fail: fail)
        guard parts.query.isEmpty else { throw fail("query parameters are not supported") }
        let path = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        var database: Int?
        if !path.isEmpty {
            guard let index = Int(path), index >= 0 else { throw fail("the database \"\(path)\" is not a number") }
            database = index
        }
        let password = parts.password.flatMap { $0.isEmpty ? nil : $0 }
        self.init(host: parts.host, port: parts.port ?? 6379, password: password, database: database)
    }
}
