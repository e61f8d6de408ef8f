/// `ipc`, `userns_mode` and `volumes_from`: the values that name what every instance already
/// has are taken (and printed back), the others are refused or warned about with the reason.
extension ServiceDecoder {
    func decodeNamespaceMode(_ key: String, _ value: YAMLNode, _ path: String, _ keyLocation: SourceLocation,
                             into service: inout Service) {
        guard let text = context.string(value, path) else { return }
        switch (key, text) {
        case ("ipc", "private"), ("ipc", "shareable"), ("userns_mode", "host"):
            // What every instance has: an IPC namespace of its own (`shareable` only lets others
            // join it), and the host's user namespace.
            service.unimplemented[key] = ConfigValue(value)
        case ("ipc", "host"):
            context.warning(
                .unsupported,
                "`ipc: host` is not supported: it would give the workload the host's System V IPC objects and POSIX message queues; every instance has an IPC namespace of its own",
                at: value.location, path: path)
        case ("ipc", _):
            context.warning(
                .unsupported,
                "`ipc: \(text)` is not supported: every instance has an IPC namespace of its own (`private` or `shareable`), and joining another's is not; share through a volume instead",
                at: value.location, path: path)
        default:
            context.warning(
                .ignored,
                "`userns_mode` is not applied: instances share the host's user namespace (uid 0 inside is uid 0 on the host, held back by dropped capabilities, seccomp, no_new_privs and a read-only or private root); run as a non-root `user` instead",
                at: keyLocation, path: path)
            service.unimplemented[key] = ConfigValue(value)
        }
    }

    /// `volumes_from: [SERVICE, SERVICE:ro, SERVICE:rw]`; `container:NAME` names a container
    /// outside the stack, which a node has none of.
    func decodeVolumesFrom(_ node: YAMLNode, _ path: String, service: String) {
        guard let items = node.items else {
            context.expected("a list of services (SERVICE or SERVICE:ro)", node, path)
            return
        }
        var entries: [VolumesFromEntry] = []
        for (offset, item) in items.enumerated() {
            let itemPath = DecodeContext.index(path, offset)
            guard let text = context.string(item, itemPath, what: "a service name, optionally with :ro or :rw") else { continue }
            var parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            if parts.first == "container" {
                context.warning(
                    .unsupported,
                    "`\(text)` names a container outside the stack, which aicore-node does not run; name a service of the stack",
                    at: item.location, path: itemPath)
                continue
            }
            if parts.first == "service" { parts.removeFirst() }
            var readOnly: Bool?
            if parts.count == 2, ["ro", "rw"].contains(parts[1]) {
                readOnly = parts[1] == "ro"
                parts.removeLast()
            }
            guard parts.count == 1, let name = parts.first, !name.isEmpty else {
                context.error("expected SERVICE, SERVICE:ro or SERVICE:rw, found \"\(text)\"", at: item.location, path: itemPath)
                continue
            }
            entries.append(VolumesFromEntry(service: name, readOnly: readOnly, location: item.location, path: itemPath))
        }
        context.volumesFrom[service] = entries
    }
}

/// One `volumes_from` item as written.
struct VolumesFromEntry {
    var service: String
    /// nil: each mount as the source service has it.
    var readOnly: Bool?
    var location: SourceLocation
    var path: String
}
