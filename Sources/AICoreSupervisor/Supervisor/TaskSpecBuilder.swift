import AICoreOS
import AICoreRuntime
import AICoreSpec

/// Turns a service of a stack into the `TaskSpec` of one of its instances.
public enum TaskSpecBuilder {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public static func build(_ service: Service, stack: String, identity: InstanceIdentity,
                             layout: SupervisorLayout) throws(Failure) -> TaskSpec {
        let command = (service.entrypoint ?? []) + (service.command ?? [])
        guard !command.isEmpty else {
            throw Failure(description: "service \(service.name): no command or entrypoint to run (images are not supported yet)")
        }
        var environment = service.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        environment.append("AICORE_INSTANCE=\(identity.id)")
        environment.append("AICORE_SERVICE=\(service.name)")

        var mounts: [MountSpec] = []
        for volume in service.volumes {
            switch volume.kind {
            case .bind:
                guard let source = volume.source else { continue }
                mounts.append(MountSpec(destination: volume.target, kind: .bind(source: source, readOnly: volume.readOnly)))
            case .volume:
                let name = volume.source ?? identity.id + volume.target.replacingOccurrences(of: "/", with: "_")
                let directory = layout.volumesDirectory + "/" + stack + "_" + name
                try? FileIO.makeDirectories(directory, mode: 0o755)
                mounts.append(MountSpec(destination: volume.target, kind: .bind(source: directory, readOnly: volume.readOnly)))
            case .tmpfs:
                mounts.append(MountSpec(destination: volume.target,
                                        kind: .tmpfs(sizeBytes: volume.tmpfsSize.map { $0.bytes }, mode: volume.tmpfsMode)))
            }
        }

        let seccomp: TaskSpec.Seccomp
        switch service.security.seccomp {
        case .builtIn: seccomp = .dockerDefault
        case .unconfined: seccomp = .unconfined
        case let .profile(path):
            guard let bytes = try? FileIO.read(path), let profile = try? SeccompProfileLoader.decode(bytes) else {
                throw Failure(description: "service \(service.name): cannot read the seccomp profile \(path)")
            }
            seccomp = .profile(profile)
        }

        let limits = service.deploy.limits
        return TaskSpec(
            id: identity.id, cgroupPath: "aicore/\(stack)/\(service.name)/\(identity.id)", command: command,
            environment: environment, workingDirectory: service.workingDir, user: service.user,
            hostname: service.hostname ?? identity.id,
            extraHosts: service.extraHosts.map { TaskSpec.HostEntry(name: $0.hostname, address: $0.address) },
            mounts: mounts, capAdd: service.capAdd, capDrop: service.capDrop, seccomp: seccomp,
            limits: CgroupLimits(memoryBytes: limits.memory.map { $0.bytes }, cpus: limits.cpus, pidsMax: limits.pids),
            logging: TaskSpec.Logging(directory: layout.logDirectory(for: identity.id)))
    }

    /// Services in start order: each after the services it depends on (names break ties).
    public static func startOrder(_ services: [Service]) -> [Service] {
        var ordered: [Service] = []
        var placed = Set<String>()
        var remaining = services.sorted { $0.name < $1.name }
        while !remaining.isEmpty {
            let names = Set(remaining.map(\.name))
            let ready = remaining.filter { service in
                service.dependsOn.allSatisfy { placed.contains($0.service) || !names.contains($0.service) }
            }
            // A cycle (validation rejects them) still gets everything started, in name order.
            let batch = ready.isEmpty ? [remaining[0]] : ready
            for service in batch {
                ordered.append(service)
                placed.insert(service.name)
            }
            remaining.removeAll { placed.contains($0.name) }
        }
        return ordered
    }
}
