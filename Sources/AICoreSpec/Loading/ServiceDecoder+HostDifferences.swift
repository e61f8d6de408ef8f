import Foundation

/// Compose habits that validate but fail when the instance starts, because a service with no
/// `image` runs from the host's root filesystem (read-only), and a service with `network_mode:
/// host` shares the host's ports: located warnings, so `config validate` says what to write
/// instead. They stay warnings (also under `--strict`).
extension ServiceDecoder {
    /// Where keys the checks point at were written.
    struct WrittenKeys {
        var command: SourceLocation?
        var entrypoint: SourceLocation?
        var networkMode: SourceLocation?
        var networks: SourceLocation?
        /// Each `environment` variable: where its key was written and its key path.
        var environment: [String: (location: SourceLocation, path: String)] = [:]
        /// The kernel keys (`sysctls.NAME`, `cpu_quota`, …), for checks against other keys.
        var kernel: [String: (location: SourceLocation, path: String)] = [:]
    }

    /// Mount points the runtime puts on the read-only root before the service's own mounts
    /// (`MountPlan.build`): fresh tmpfs, so a target directly inside one is created there. `/root`
    /// and `/home` are hidden host paths, also a fresh tmpfs while the service's mounts are made.
    static let instanceMountPoints = ["/dev", "/tmp", "/run", "/root", "/home"]

    func warnAboutHostDifferences(_ service: Service, path: String, written: WrittenKeys, mounts: [LocatedMount]) {
        // On an image's root the mount points are made in the instance's own writable layer.
        if service.image == nil && service.build == nil {
            warnAboutMountTargets(mounts)
            warnAboutSymlinkedMountPaths(mounts)
        }
        warnAboutFixedPorts(service, path: path, written: written)
    }

    /// Whether `target` is made or resolved on the host root: not `/` itself, and not inside a
    /// tmpfs the runtime puts there or another of the service's mounts (a volume, a bind), where
    /// it is made instead.
    private static func isOnHostRoot(_ target: String, of mounts: [LocatedMount]) -> Bool {
        let mountPoints = instanceMountPoints + mounts.map(\.mount.target)
        return target != "/" && !mountPoints.contains { $0 != target && target.hasPrefix($0 == "/" ? "/" : $0 + "/") }
    }

    /// A target the runtime would have to `mkdir` on the read-only host root.
    private func warnAboutMountTargets(_ mounts: [LocatedMount]) {
        for (mount, itemPath, location) in mounts {
            let target = mount.target
            // Through a symbolic link it is refused whether it exists or not: that warning says so.
            if !Self.isOnHostRoot(target, of: mounts) || hostPathExists(target) || hostSymlink(target) != nil { continue }
            context.warning(
                .composeHabit,
                "mount target \(target) does not exist on the host: instances run on the host's root filesystem mounted read-only, so \(target) cannot be created and the instance fails to start; mount at a path that exists on the host (e.g. under /var/lib, /srv, /mnt or /tmp), or create \(target) on the host",
                at: location, path: itemPath)
        }
    }

    /// A bind source, or a target on the host root, with a symbolic link in its path: the runtime
    /// follows none and refuses the instance when it starts.
    private func warnAboutSymlinkedMountPaths(_ mounts: [LocatedMount]) {
        for (mount, itemPath, location) in mounts {
            if mount.kind == .bind, let source = mount.source, let found = hostSymlink(source) {
                context.warning(
                    .composeHabit,
                    "bind source \(source) has a symbolic link in its path (\(found.link)): mounts follow no symlinks, so the instance is refused when it starts; \(found.leadsTo.map { "write the path it leads to, \($0)" } ?? "write the real path")",
                    at: location, path: itemPath)
            }
            let target = mount.target
            if Self.isOnHostRoot(target, of: mounts), let found = hostSymlink(target) {
                context.warning(
                    .composeHabit,
                    "mount target \(target) has a symbolic link in its path on the host (\(found.link)): mounts follow no symlinks, so the instance is refused when it starts; \(found.leadsTo.map { "mount at the path it leads to, \($0)" } ?? "mount at the real path")",
                    at: location, path: itemPath)
            }
        }
    }

    /// Several replicas listening on one fixed port of the shared host network (`network_mode:
    /// host`; elsewhere each instance has a network namespace of its own).
    private func warnAboutFixedPorts(_ service: Service, path: String, written: WrittenKeys) {
        guard service.networkMode == .host else { return }
        let autoscaleMax = service.aicore.autoscale?.max ?? 0
        guard service.deploy.replicas > 1 || autoscaleMax > 1 else { return }
        let ports = Set(service.ports.map(\.target))
        let variable = service.aicore.portEnv
        let words = (service.entrypoint ?? []) + (service.command ?? [])
        guard !ports.isEmpty, !words.contains(where: { FixedPortSyntax.usesVariable(variable, in: $0) }) else { return }
        let replicas =
            service.deploy.replicas >= autoscaleMax
            ? "the \(service.deploy.replicas) replicas" : "up to \(autoscaleMax) replicas (x-aicore.autoscale.max)"
        let collision = "but \(replicas) share the host network, so all but one fail with `Address already in use`"

        for (key, location, command) in [
            ("entrypoint", written.entrypoint, service.entrypoint), ("command", written.command, service.command),
        ] {
            guard let location, let command, let found = FixedPortSyntax.find(ports, in: command) else { continue }
            context.warning(
                .composeHabit,
                "`\(found.text)` is a fixed listening port, \(collision); listen on the port each replica gets in $\(variable) instead (write `$${\(variable)}` inside `sh -c '…'`); the proxy still serves port \(found.port), sending it to ready replicas",
                at: location, path: DecodeContext.join(path, key))
        }
        for (name, value) in service.environment.sorted(by: { $0.key < $1.key }) where name != variable {
            guard let (location, itemPath) = written.environment[name] else { continue }
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            if let port = Int(trimmed), ports.contains(port) {
                context.warning(
                    .composeHabit,
                    "`\(name)=\(trimmed)` is a fixed listening port, \(collision); set `x-aicore.port_env: \(name)` so each replica gets its own port in \(name)",
                    at: location, path: itemPath)
            } else if let found = FixedPortSyntax.find(ports, in: [value]) {
                context.warning(
                    .composeHabit,
                    "`\(name)` holds the fixed listening port \(found.port) (`\(found.text)`), \(collision); build it in the command from the port each replica gets in $\(variable) (`sh -c '… $${\(variable)}'`)",
                    at: location, path: itemPath)
            }
        }
    }
}
