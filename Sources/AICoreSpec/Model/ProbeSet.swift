/// The startup, liveness and readiness probes of a service.
public struct ProbeSet: Sendable, Hashable {
    public var startup: Probe?
    public var liveness: Probe?
    public var readiness: Probe?

    public init(startup: Probe? = nil, liveness: Probe? = nil, readiness: Probe? = nil) {
        self.startup = startup
        self.liveness = liveness
        self.readiness = readiness
    }

    public var isEmpty: Bool { startup == nil && liveness == nil && readiness == nil }
}
