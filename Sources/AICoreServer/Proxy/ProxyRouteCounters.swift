import Synchronization

/// The live counters of one route, updated by its connections without taking the proxy's lock.
final class ProxyRouteCounters: Sendable {
    let active = Atomic<Int>(0)
    let total = Atomic<Int>(0)
    let rejected = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    let bytesIn = Atomic<Int>(0)
    let bytesOut = Atomic<Int>(0)

    init() {}

    func snapshot(route: String, backends: [ProxyBackendStats]) -> ProxyRouteStats {
        ProxyRouteStats(
            route: route,
            activeConnections: active.load(ordering: .relaxed),
            totalConnections: total.load(ordering: .relaxed),
            rejectedConnections: rejected.load(ordering: .relaxed),
            failedConnections: failed.load(ordering: .relaxed),
            bytesIn: bytesIn.load(ordering: .relaxed),
            bytesOut: bytesOut.load(ordering: .relaxed),
            backends: backends)
    }
}
