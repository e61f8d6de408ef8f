import AICoreErrors
import AICoreStore

/// Gives every service of a stack its VIP and keeps it in the Store: the same service gets the
/// same address across agent restarts and re-applies, until the stack goes down or the service
/// leaves the stack. One allocator per node serializes allocation; the Store's unique address
/// refuses a duplicate should two ever race.
public actor VIPAllocator {
    private let store: any Store
    private let start: UInt32

    /// `start`: the first address tried (`VIPPool.start(forStateDirectory:)` for an agent).
    public init(store: any Store, start: UInt32 = VIPPool.first) {
        self.store = store
        self.start = start
    }

    /// The VIP of each of `services` (kept, or the lowest free address for a new one). Services
    /// of `stack` not listed lose theirs.
    public func assign(stack: String, services: [String]) async throws(AICoreError) -> [String: VIP] {
        let records = try await load()
        var used = Set(records.compactMap { VIP($0.address) })
        var result: [String: VIP] = [:]
        let wanted = Set(services)
        for record in records where record.stack == stack && !wanted.contains(record.service) {
            try await store.deleteVIP(stack: stack, service: record.service)
            if let vip = VIP(record.address) { used.remove(vip) }
        }
        for service in services.sorted() {
            if let record = records.first(where: { $0.stack == stack && $0.service == service }), let vip = VIP(record.address) {
                result[service] = vip
                continue
            }
            guard let vip = VIPPool.lowestFree(excluding: used, from: start) else {
                throw AICoreError(code: .exhausted, message: "no free VIP left in 127.0.0.0/8 for \(stack)/\(service); remove stacks that are no longer needed")
            }
            try await store.saveVIP(VIPRecord(stack: stack, service: service, address: vip.description))
            used.insert(vip)
            result[service] = vip
        }
        return result
    }

    /// The VIPs a stack holds now.
    public func vips(stack: String) async throws(AICoreError) -> [String: VIP] {
        var result: [String: VIP] = [:]
        for record in try await load() where record.stack == stack {
            if let vip = VIP(record.address) { result[record.service] = vip }
        }
        return result
    }

    /// Releases every VIP of a stack (`down`).
    public func release(stack: String) async throws(AICoreError) {
        for record in try await load() where record.stack == stack {
            try await store.deleteVIP(stack: stack, service: record.service)
        }
    }

    private func load() async throws(AICoreError) -> [VIPRecord] {
        try await store.vips()
    }
}
