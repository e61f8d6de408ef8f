/// `POST /v1/stacks/{stack}/services/{service}/kill`: the signal, by name (`SIGHUP`, `HUP`) or
/// number; SIGKILL when absent, as `docker compose kill`.
public struct KillRequest: Codable, Sendable, Equatable {
    public var signal: String?
    public init(signal: String? = nil) { self.signal = signal }
}
