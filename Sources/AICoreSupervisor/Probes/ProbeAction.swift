import AICoreSpec

/// One check, with its port resolved: what a `ProbeExecutor` runs.
public enum ProbeAction: Sendable, Hashable, CustomStringConvertible {
    /// GET http://host:port/path; 200–399 passes. `host`: the instance's address on its first
    /// network (as Kubernetes probes the pod IP); nil: the executor's (loopback, host networking).
    case httpGet(path: String, port: Int, headers: [String: String], host: String? = nil)
    /// A TCP connect to host:port passes.
    case tcpSocket(port: Int, host: String? = nil)
    /// Runs inside the instance (its namespaces, cgroup and user); exit code 0 passes.
    case exec([String])

    public var description: String {
        switch self {
        case let .httpGet(path, port, _, host): "http-get \(host ?? ""):\(port)\(path)"
        case let .tcpSocket(port, host): "tcp-socket \(host ?? ""):\(port)"
        case let .exec(argv): "exec \(argv.joined(separator: " "))"
        }
    }

    /// A Kubernetes-style probe of an instance whose primary port is `primaryPort`, reached at
    /// `host` (nil: loopback).
    public static func from(_ action: Probe.Action, primaryPort: Int?, host: String? = nil) -> ProbeAction? {
        switch action {
        case let .httpGet(path, port, headers):
            guard let port = port ?? primaryPort else { return nil }
            return .httpGet(path: path, port: port, headers: headers, host: host)
        case let .tcpSocket(port):
            guard let port = port ?? primaryPort else { return nil }
            return .tcpSocket(port: port, host: host)
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
