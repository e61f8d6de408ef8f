import Foundation

/// `DATABASE_URL`: `postgres://user:password@host:port/database`.
///
/// Only plain TCP (`sslmode=disable`, the default) is supported: the sample API talks to a
/// PostgreSQL on the same host, over loopback.
public struct DatabaseURL: Equatable, Sendable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String?

    public static let variable = "DATABASE_URL"
    static let expected = "expected postgres://user:password@host:port/database"

    public init(host: String, port: Int = 5432, username: String, password: String?, database: String?) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    public init(parsing text: String) throws(ConfigurationError) {
        func fail(_ problem: String) -> ConfigurationError {
            ConfigurationError(variable: Self.variable, message: "\(problem) (\(Self.expected))")
        }
        let parts = try URLParts(text, schemes: ["postgres", "postgresql"], fail: fail)
        guard let user = parts.user, !user.isEmpty else { throw fail("the user name is missing") }
        let path = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        guard !path.contains("/") else { throw fail("the database name \"\(path)\" contains a slash") }
        for (name, value) in parts.query {
            switch (name, value) {
            case ("sslmode", "disable"):
                continue
            case ("sslmode", _):
                throw fail("sslmode=\(value) is not supported, only sslmode=disable")
            default:
                throw fail("unknown parameter \"\(name)\"")
            }
        }
        self.init(
            host: parts.host, port: parts.port ?? 5432, username: user, password: parts.password,
            database: path.isEmpty ? nil : path
        )
    }
}
