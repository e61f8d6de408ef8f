import AICoreRuntime

/// Runs one check against a running instance. Implementations never block the caller's actor
/// and always answer by `timeout` (a hung check is cut, and reported as a failure).
public protocol ProbeExecutor: Sendable {
    /// Runs on the caller's executor (the instance's runner): a check hops no further than it.
    nonisolated(nonsending) func run(_ action: ProbeAction, on handle: TaskHandle, timeout: Duration) async -> ProbeOutcome
}

/// The real checks: HTTP GET and TCP connect to the instance's address (loopback under host
/// networking), exec through the task driver into the instance.
public struct LiveProbeExecutor: ProbeExecutor {
    public let driver: any TaskDriver
    public var host: String

    public init(driver: any TaskDriver, host: String = "127.0.0.1") {
        self.driver = driver
        self.host = host
    }

    public nonisolated(nonsending) func run(_ action: ProbeAction, on handle: TaskHandle, timeout: Duration) async -> ProbeOutcome {
        switch action {
        case let .httpGet(path, port, headers, address):
            return await HTTPProber(host: address ?? host, port: port, path: path, headers: headers).check(timeout: timeout)
        case let .tcpSocket(port, address):
            return await TCPProber(host: address ?? host, port: port).check(timeout: timeout)
        case let .exec(argv):
            return await ExecProber(driver: driver, command: argv).check(handle, timeout: timeout)
        }
    }
}
