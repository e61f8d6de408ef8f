/// `POST /v1/stacks/{stack}/services/{service}/wait`: each instance that is not running (any
/// more), with its last exit code, and those still running when the wait's time ran out (the
/// client asks again: one request never outlasts a connection's idle timeout).
public struct WaitResult: Codable, Sendable, Equatable {
    public struct Exited: Codable, Sendable, Equatable {
        public var instance: String
        /// nil: it never ran, or its exit status is unknown.
        public var exitCode: Int32?
        public init(instance: String, exitCode: Int32?) {
            self.instance = instance
            self.exitCode = exitCode
        }
    }

    public var exited: [Exited]
    public var running: [String]
    public init(exited: [Exited], running: [String]) {
        self.exited = exited
        self.running = running
    }
}
