/// An RFC 9457 problem document (`application/problem+json`): every error the API returns.
public struct ProblemDocument: Codable, Sendable, Equatable {
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    /// Located spec errors of a 422, one line each (`file:line:column: error: key.path: …`).
    public var errors: [String]?

    public init(type: String, title: String, status: Int, detail: String, errors: [String]? = nil) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.errors = errors
    }

    public static let mediaType = "application/problem+json"
}
