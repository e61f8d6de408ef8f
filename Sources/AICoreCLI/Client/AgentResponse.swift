import AICoreErrors
import Foundation

/// A whole 2xx answer from the agent.
public struct AgentResponse: Sendable {
    public var status: Int
    /// In the order received; names as the agent spelled them.
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of the header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    /// The body decoded as JSON; a body that does not match `T` is a protocol error naming the
    /// field that failed.
    public func decode<T: Decodable>(_ type: T.Type) throws(AICoreError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(body))
        } catch {
            throw AICoreError.client(.protocolViolation, "the agent's answer does not decode as \(T.self): \(Self.summary(of: error))",
                cause: error)
        }
    }

    private static func summary(of error: any Error) -> String {
        guard let error = error as? DecodingError else { return String(describing: error) }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "the top level" : String(keys.drop { $0 == "." })
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "missing '\(key.stringValue)'" + (context.codingPath.isEmpty ? "" : " in \(parent)")
        case .typeMismatch(let type, let context):
            return "\(path(context)) is not a \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context)) is null, expected a \(type)"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "the body is not valid JSON" : "\(path(context)) is invalid"
        @unknown default:
            return String(describing: error)
        }
    }
}
