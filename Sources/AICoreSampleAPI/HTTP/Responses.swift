import Hummingbird

/// `GET /health/live`.
struct LiveResponse: ResponseEncodable {
    var status = "live"
}

/// `GET /version`.
struct VersionResponse: ResponseEncodable, Decodable, Equatable {
    var version: String
    var instance: String
    var pid: Int32
}

/// `GET /` (and `/work`): the counters after this request's unit of work.
struct WorkResponse: ResponseEncodable, Decodable, Equatable {
    var version: String
    var instance: String
    /// `INCR aicore:requests` in Redis.
    var redisRequests: Int
    /// Rows in the PostgreSQL `requests` table after this request's insert.
    var postgresRequests: Int

    enum CodingKeys: String, CodingKey {
        case version, instance
        case redisRequests = "redis_requests"
        case postgresRequests = "postgres_requests"
    }
}

/// `GET /fault` and `PUT /fault`: the switches now, and how much memory was leaked so far.
struct FaultResponse: ResponseEncodable {
    var settings: FaultSettings
    var leakedMegabytes: Int

    enum CodingKeys: String, CodingKey {
        case settings
        case leakedMegabytes = "leaked_mb"
    }
}

/// A failed request, in one line.
struct ErrorResponse: ResponseEncodable {
    var error: String
}

extension ReadinessReport: ResponseEncodable {}
