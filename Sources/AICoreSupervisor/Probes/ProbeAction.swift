import AICoreSpec

/// One check, with its port resolved: what a `ProbeExecutor` runs.
public enum ProbeAction: Sendable, Hashable, CustomStringConvertible {
    /// GET http://127.0.0.1:port/path; 200–399 passes.
    case httpGet(path: String, port: Int, headers: [String: String])
    /// A TCP connect to 127.0.0.1:port passes.
    case tcpSocket(port: Int)
    /// Runs inside the instance (its namespaces, cgroup and user); exit code 0 passes.
    case exec([String])

    public var description: String {
        switch self {
        case let .httpGet(path, port, _): "http-get :\(port)\(path)"
        case let .tcpSocket(port): "tcp-socket :\(port)"
        case let .exec(argv): "exec \(argv.joined(separator: " "))"
        }
    }

    /// A Kubernetes-style probe of an instance whose primary port is `primaryPort`.
    public static func from(_ action: Probe.Action, primaryPort: Int?) -> ProbeAction? {
        switch action {
        case let .httpGet(path, port, headers):
            guard let port = port ?? primaryPort else { return nil }
            return .httpGet(path: path, port: port, headers: headers)
        case let .tcpSocket(port):
            guard let port = port ?? primaryPort else { return nil }
            return .tcpSocket(port: port)
        case let .exec(argv):
            return .exec(argv)
        }
    }

    /// A Compose healthcheck's test: `CMD` runs argv directly, `CMD-SHELL` (or a string) through `/bin/sh -c`.
    public static func from(_ test: Healthcheck.Test) -> ProbeAction {
        switch test {
        case let .exec(argv): .exec(argv)
        case let .shell(command): .exec(["/bin/sh", "-c", command])
        }
    }
}
