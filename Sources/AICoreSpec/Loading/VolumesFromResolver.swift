/// Resolves `volumes_from` once every service is decoded: a service takes the bind mounts and
/// named volumes of the services it names (with theirs, transitively), as Docker gives a
/// container the mounts of another. Its own mount at the same target wins. The named service
/// starts first (an implied `depends_on`, as Compose adds).
///
/// An anonymous volume cannot be taken: each instance of its service has its own, so there is
/// no one volume to share; the error says to name it.
struct VolumesFromResolver {
    let context: DecodeContext

    func resolve(_ services: [Service]) -> [Service] {
        guard !context.volumesFrom.isEmpty else { return services }
        var byName = Dictionary(services.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var done: Set<String> = []
        for service in services {
            resolve(service.name, &byName, &done, chain: [])
        }
        return services.map { byName[$0.name] ?? $0 }
    }

    private func resolve(_ name: String, _ services: inout [String: Service], _ done: inout Set<String>, chain: [String]) {
        guard !done.contains(name), var service = services[name] else { return }
        for entry in context.volumesFrom[name] ?? [] {
            if entry.service == name {
                context.error("a service cannot take volumes from itself", at: entry.location, path: entry.path)
                continue
            }
            if chain.contains(entry.service) {
                let cycle = (Array(chain.drop(while: { $0 != entry.service })) + [name, entry.service]).joined(separator: " → ")
                context.error("volumes_from makes a cycle: \(cycle)", at: entry.location, path: entry.path)
                continue
            }
            guard services[entry.service] != nil else {
                context.error("volumes_from names `\(entry.service)`, which is not a service of this stack", at: entry.location, path: entry.path)
                continue
            }
            resolve(entry.service, &services, &done, chain: chain + [name])
            guard let source = services[entry.service] else { continue }
            let own = Set(service.volumes.map(\.target))
            for mount in source.volumes where mount.kind != .tmpfs && !own.contains(mount.target) {
                if mount.kind == .volume && mount.source == nil {
                    context.error(
                        "`\(entry.service)` mounts an anonymous volume at \(mount.target), and each of its instances has its own: there is no one volume to share; declare it under the top-level `volumes` and mount it by name in both services",
                        at: entry.location, path: entry.path)
                    continue
                }
                var taken = mount
                if let readOnly = entry.readOnly { taken.readOnly = readOnly }
                service.volumes.append(taken)
            }
            if !service.dependsOn.contains(where: { $0.service == entry.service }) {
                service.dependsOn.append(ServiceDependency(service: entry.service))
            }
        }
        services[name] = service
        done.insert(name)
    }
}
