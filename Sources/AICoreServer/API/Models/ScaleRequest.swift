/// `POST /v1/stacks/{stack}/services/{service}/scale`.
public struct ScaleRequest: Codable, Sendable, Equatable {
    public var replicas: Int
    public init(replicas: Int) { self.replicas = replicas }
}
