/// Takes an instance out of the proxy's rotation and waits for its open connections to finish:
/// what the controller does before every voluntary stop, so that no request is cut. The agent's
/// route table is the real one; without a proxy there is nothing to drain.
public protocol TrafficDrain: Sendable {
    /// Returns once no connection to `instance` is open, or after `timeout`.
    func drain(stack: String, instance: String, timeout: Duration) async
}
