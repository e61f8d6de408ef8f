/// The backends of one route and the choice among them. Not thread-safe: `ServiceProxy` keeps
/// it under its lock. Connections read and update the counters' atomics directly.
struct ProxyBackendPool {
    var balance: ProxyBalance
    /// In rotation, in the order given.
    private(set) var members: [ProxyBackendCounters] = []
    /// Removed from rotation but still holding open connections, kept so their counts stay visible.
    private(set) var draining: [ProxyBackendCounters] = []
    /// Where the next round starts: round-robin's turn, and least-connections' tie breaker.
    private var cursor = 0

    init(balance: ProxyBalance, backends: [ProxyBackend] = []) {
        self.balance = balance
        replace(with: backends)
    }

    /// Makes `backends` the rotation. Counters of backends that stay are kept; removed ones with
    /// open connections move to `draining`, and those connections are left alone.
    mutating func replace(with backends: [ProxyBackend]) {
        var previous: [ProxyBackend: ProxyBackendCounters] = [:]
        for counters in members + draining { previous[counters.backend] = counters }
        var seen = Set<ProxyBackend>()
        var next: [ProxyBackendCounters] = []
        for backend in backends where seen.insert(backend).inserted {
            next.append(previous.removeValue(forKey: backend) ?? ProxyBackendCounters(backend))
        }
        draining = (members + draining).filter { previous[$0.backend] != nil && $0.activeConnections > 0 }
        members = next
        cursor = members.isEmpty ? 0 : cursor % members.count
    }

    /// The backend for a new connection, skipping `excluded` (those that already failed for this
    /// client). Counts the connection as active on it at once, so concurrent picks see it.
    mutating func pick(excluding excluded: Set<ProxyBackend> = []) -> ProxyBackendCounters? {
        let count = members.count
        var chosen: Int?
        for step in 0..<count {
            let index = (cursor + step) % count
            if excluded.contains(members[index].backend) { continue }
            switch balance {
            case .roundRobin:
                chosen = index
            case .leastConnections:
                if let best = chosen, members[best].activeConnections <= members[index].activeConnections { continue }
                chosen = index
            }
            if balance == .roundRobin { break }
        }
        guard let chosen else { return nil }
        cursor = (chosen + 1) % count
        members[chosen].active.wrappingAdd(1, ordering: .relaxed)
        return members[chosen]
    }

    /// Forgets removed backends whose last connection has ended.
    mutating func pruneDrained() {
        draining.removeAll { $0.activeConnections == 0 }
    }

    func stats() -> [ProxyBackendStats] {
        members.map { $0.snapshot(inRotation: true) } + draining.map { $0.snapshot(inRotation: false) }
    }
}
