import AICoreAddresses
import AICoreDNS
import AICoreErrors
import AICoreSpec
import AICoreNetwork
import Dispatch
import Synchronization

/// The agent's resolver as instances on bridge networks see it: 127.0.0.11:53 inside each
/// one's namespace, answering the names of the networks it is on (`DNSServer`). The node
/// registers an instance's networks before it starts; the runtime calls `namespaceReady` at
/// every start, once its links are up and before its workload runs, so the first lookup of a
/// workload is answered; a re-adopted instance is served again from its init's namespace.
public final class InstanceResolver: Sendable {
    public let server: DNSServer
    /// The host's `search` domains, which an instance's resolv.conf keeps unless its service
    /// says otherwise (`dns_search`).
    public let hostSearch: [String]

    private struct Scope {
        var networks: [String]
        var upstreams: [DNSUpstream]?
    }

    private let scopes = Mutex<[String: Scope]>([:])

    public init(server: DNSServer, hostSearch: [String]) {
        self.server = server
        self.hostSearch = hostSearch
    }

    /// What `instance` will be answered: the names of `networks`, and names not ours from the
    /// service's `dns:` servers when it lists any (else the host's).
    public func register(instance: String, networks: [String], dns: [String]) {
        let upstreams = dns.compactMap { IPv4Address($0).map { DNSUpstream($0) } }
        scopes.withLock { $0[instance] = Scope(networks: networks, upstreams: upstreams.isEmpty ? nil : upstreams) }
        server.setNetworks(networks, of: instance)
    }

    /// The runtime's callback: serves `instance` in `namespace` (valid for this call), and
    /// returns once it is served. Blocking: called on the spawning thread, never the pool's.
    public func namespaceReady(instance: String, namespace: Int32) throws(AICoreError) {
        guard let scope = scopes.withLock({ $0[instance] }) else { return }
        // The descriptor is the caller's for this call only: serve binds its sockets before
        // returning, and this waits for that.
        let outcome = Mutex<AICoreError??>(nil)
        let done = DispatchSemaphore(value: 0)
        let server = self.server
        Task {
            do throws(AICoreError) {
                try await server.serve(instance: instance, namespace: namespace, networks: scope.networks, upstreams: scope.upstreams)
                outcome.withLock { $0 = .some(nil) }
            } catch {
                outcome.withLock { $0 = .some(error) }
            }
            done.signal()
        }
        done.wait()
        if case let .some(.some(error)) = outcome.withLock({ $0 }) { throw error }
    }

    /// Serves an instance that runs already (re-adopted after an agent restart) in its init's
    /// namespace. Nothing when it is served, or not registered.
    public func adopt(instance: String, pid: Int32) async throws(AICoreError) {
        guard !server.servedInstances.contains(instance), let scope = scopes.withLock({ $0[instance] }) else { return }
        let server = self.server
        try await NetworkNamespace.withOpened("/proc/\(pid)/ns/net") { descriptor throws(AICoreError) in
            try await server.serve(instance: instance, namespace: descriptor, networks: scope.networks, upstreams: scope.upstreams)
        }
    }

    /// Stops serving `instance` (it was removed): its sockets held its namespace.
    public func forget(instance: String) async {
        scopes.withLock { _ = $0.removeValue(forKey: instance) }
        await server.stopServing(instance: instance)
    }

    /// The /etc/resolv.conf of an instance of `service`.
    public func resolvConf(for service: Service) -> String {
        ResolvConf.instanceFile(hostSearch: hostSearch, dnsSearch: service.dnsSearch.isEmpty ? nil : service.dnsSearch,
                                dnsOptions: service.dnsOptions)
    }
}
