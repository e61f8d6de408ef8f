import Synchronization

/// The live counters of one backend of one route. Connections update them without taking the
/// proxy's lock; `ProxyBackendPool` reads `active` to balance.
final class ProxyBackendCounters: Sendable {
    let backend: ProxyBackend
    let active = Atomic<Int>(0)
    let total = Atomic<Int>(0)
    let connectErrors = Atomic<Int>(0)
    let bytesIn = Atomic<Int>(0)
    let bytesOut = Atomic<Int>(0)

    init(_ backend: ProxyBackend) {
        self.backend = backend
    }

    var activeConnections: Int { active.load(ordering: .relaxed) }

    func snapshot(inRotation: Bool) -> ProxyBackendStats {
        ProxyBackendStats(
            backend: backend, inRotation: inRotation,
            activeConnections: active.load(ordering: .relaxed),
            totalConnections: total.load(ordering: .relaxed),
            connectErrors: connectErrors.load(ordering: .relaxed),
            bytesIn: bytesIn.load(ordering: .relaxed),
            bytesOut: bytesOut.load(ordering: .relaxed))
    }
}
