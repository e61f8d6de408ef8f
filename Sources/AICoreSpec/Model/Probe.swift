/// A Kubernetes-style probe under `x-aicore.probes`.
public struct Probe: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        /// GET `path`; 200–399 passes. `port` nil means the instance's primary port.
        case httpGet(path: String, port: Int?, headers: [String: String])
        case tcpSocket(port: Int?)
        case exec([String])
    }

    public var action: Action
    public var initialDelay: Duration
    public var period: Duration
    public var timeout: Duration
    public var successThreshold: Int
    public var failureThreshold: Int

    public init(
        action: Action, initialDelay: Duration = .zero, period: Duration = .seconds(10),
        timeout: Duration = .seconds(1), successThreshold: Int = 1, failureThreshold: Int = 3
    ) {
        self.action = action
        self.initialDelay = initialDelay
        self.period = period
        self.timeout = timeout
        self.successThreshold = successThreshold
        self.failureThreshold = failureThreshold
    }
}
