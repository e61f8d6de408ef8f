/// What one check found (`ProbeExecutor`'s answer).
public struct ProbeOutcome: Sendable, Equatable {
    public var passed: Bool
    /// The exec's exit code; nil for network checks and for checks cut at their timeout.
    public var exitCode: Int32?
    /// What a person needs to see: `HTTP 500 on /health/live`, `timeout after 1s`, the command's output.
    public var output: String

    public init(passed: Bool, exitCode: Int32? = nil, output: String) {
        self.passed = passed
        self.exitCode = exitCode
        self.output = output
    }

    /// Docker keeps at most this much output of a healthcheck.
    public static let maxOutputBytes = 4096

    static func truncated(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count > maxOutputBytes else { return text }
        return String(decoding: bytes.prefix(maxOutputBytes), as: UTF8.self)
    }
}

/// One entry of an instance's probe log (Docker's `Health.Log`): kept last 5 per probe.
public struct ProbeResult: Sendable, Equatable, Codable {
    public enum Probe: String, Sendable, Codable, CaseIterable {
        case healthcheck, startup, liveness, readiness
    }

    public var probe: Probe
    /// RFC 3339 UTC.
    public var start: String
    public var end: String
    public var passed: Bool
    public var exitCode: Int32?
    public var output: String

    public init(probe: Probe, start: String, end: String, passed: Bool, exitCode: Int32?, output: String) {
        self.probe = probe
        self.start = start
        self.end = end
        self.passed = passed
        self.exitCode = exitCode
        self.output = output
    }

    public static let kept = 5
}
