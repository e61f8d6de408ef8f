import AICoreRuntime
import AICoreSpec
import AICoreSystem

/// Turns a service of a stack into the `TaskSpec` of one of its instances.
public enum TaskSpecBuilder {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// `port`: the instance's port (`instancePort`), put in the service's `x-aicore.port_env`
    /// variable (default `PORT`) and replacing a value the service set for it.
    /// `imageRoot`: the service runs on an image (its config already applied to `service` by
    /// `ImageDefaults`); nil runs it from the host's root filesystem.
    public static func build(_ service: Service, stack: String, identity: InstanceIdentity,
                             layout: SupervisorLayout, port: Int? = nil, imageRoot: TaskSpec.ImageRoot? = nil) throws(Failure) -> TaskSpec {
        let command = (service.entrypoint ?? []) + (service.command ?? [])
        guard !command.isEmpty else {
            throw Failure(description: "service \(service.name): no command or entrypoint to run")
        }
        var environment = service.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        environment.append("AICORE_INSTANCE=\(identity.id)")
        environment.append("AICORE_SERVICE=\(service.name)")
        if let port {
            let name = service.aicore.portEnv
            environment.removeAll { $0.hasPrefix(name + "=") }
            environment.append("\(name)=\(port)")
        }

        var mounts: [MountSpec] = []
        for volume in service.volumes {
            switch volume.kind {
            case .bind:
                guard let source = volume.source else { continue }
                mounts.append(MountSpec(destination: volume.target, kind: .bind(source: source, readOnly: volume.readOnly)))
            case .volume:
                let name = volume.source ?? identity.id + volume.target.replacingOccurrences(of: "/", with: "_")
                let directory = layout.volumeDirectory(stack: stack, volume: name)
                // The controller creates named volumes (owned by the service's user); this makes
                // a missing one (anonymous volumes, a bare `supervise`).
                if !FileIO.exists(directory) { try? FileIO.makeDirectories(directory, mode: 0o755) }
                // A subpath is not created: the workload owns the volume's contents, and making
                // directories there could follow a symlink it planted. The runtime resolves the
                // source without following any, and reports a missing one.
                let source = volume.subpath.map { directory + "/" + $0 } ?? directory
                // Docker fills an empty volume with the image's content at the target, unless
                // `nocopy`. Not into a subpath: it must exist already (see above), so it belongs
                // to what the workload wrote, and the emptiness that says "new" is the volume's.
                let copies = imageRoot != nil && !volume.noCopy && volume.subpath == nil
                mounts.append(MountSpec(destination: volume.target, kind: .bind(source: source, readOnly: volume.readOnly),
                                        copiesImageContent: copies))
            case .tmpfs:
                mounts.append(MountSpec(destination: volume.target,
                                        kind: .tmpfs(sizeBytes: volume.tmpfsSize.map { $0.bytes }, mode: volume.tmpfsMode,
                                                      readOnly: volume.readOnly)))
            }
        }

        let seccomp: TaskSpec.Seccomp
        switch service.security.seccomp {
        case .builtIn: seccomp = .dockerDefault
        case .unconfined: seccomp = .unconfined
        case let .profile(path):
            do {
                seccomp = try .profile(readingFile: path)
            } catch {
                throw Failure(description: "service \(service.name): \(error.message)")
            }
        }

        var rlimits: [ResourceLimit] = []
        for (name, limit) in service.ulimits.sorted(by: { $0.key < $1.key }) {
            guard let rlimit = ResourceLimit.named(name, soft: limit.soft, hard: limit.hard) else {
                throw Failure(description: "service \(service.name): unknown ulimit `\(name)`")
            }
            rlimits.append(rlimit)
        }

        let limits = service.deploy.limits
        var spec = TaskSpec(
            id: identity.id, cgroupPath: "\(layout.cgroupRoot)/\(stack)/\(service.name)/\(identity.id)", command: command,
            environment: environment, workingDirectory: service.workingDir, user: service.user,
            hostname: service.hostname ?? identity.id,
            extraHosts: service.extraHosts.map { TaskSpec.HostEntry(name: $0.hostname, address: $0.address) },
            mounts: mounts, hiddenPaths: service.aicore.hidePaths, capAdd: service.capAdd, capDrop: service.capDrop, seccomp: seccomp, rlimits: rlimits,
            limits: CgroupLimits(memoryBytes: limits.memory.map { $0.bytes }, cpus: limits.cpus, pidsMax: limits.pids),
            network: Self.network(for: service.networkMode),
            logging: logging(service.logging, directory: layout.logDirectory(for: identity.id)))
        spec.oomScoreAdj = Int32(service.oomScoreAdj ?? 0)
        applyKernelSettings(service.kernel, to: &spec)
        spec.groupAdd = service.groupAdd
        spec.privileged = service.privileged
        spec.devices = service.devices.map { TaskSpec.Device(source: $0.source, target: $0.target, permissions: $0.permissions) }
        spec.files = try files(for: service)
        if imageRoot == nil { spec.hiddenPaths += hiddenSecretSources(service) }
        if let imageRoot {
            spec.imageRoot = imageRoot
            spec.readOnlyRoot = service.readOnly
        }
        return spec
    }

    /// The port an instance listens on (what `x-aicore.port_env` carries): with more than one
    /// replica each gets its own free loopback port, so replicas on one host never collide (the
    /// proxy balances across them); a single replica gets the service's first target port, or
    /// none when the service declares no ports. `previous` (the Store's record of a live or
    /// restarting instance) is kept, so a re-adopted process and the Store agree on its port.
    public static func instancePort(_ service: Service, replicas: Int, previous: Int?,
                                    allocate: () throws -> Int = { try LoopbackPort.allocate() }) throws(Failure) -> Int? {
        guard replicas > 1 else { return service.ports.first?.target }
        if let previous { return previous }
        do {
            return try allocate()
        } catch {
            throw Failure(description: "service \(service.name): cannot find a free loopback port for \(service.aicore.portEnv): \(error)")
        }
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

    /// The namespace an instance runs in for the service's `network_mode`, before the node
    /// puts it on its networks: bridge networks and another service's namespace come from
    /// `InstanceNetwork`, which the controller resolves with the agent's default mode.
    static func network(for mode: NetworkMode?) -> TaskSpec.Network {
        switch mode {
        case .some(NetworkMode.none): .none
        case .host?, .bridge?, .service?, nil: .host
        }
    }
}

extension TaskSpecBuilder {
    /// The instance's log file from the service's `logging` (`LoggingSettings.rotation`).
    static func logging(_ settings: LoggingSettings?, directory: String) -> TaskSpec.Logging {
        guard let settings else { return TaskSpec.Logging(directory: directory) }
        let rotation = settings.rotation
        let format: TaskSpec.Logging.Format = switch settings.driver {
        case .jsonFile?: .json
        case .none?: .discard
        case .local?, .journald?, nil: .cri
        }
        return TaskSpec.Logging(directory: directory, maxBytes: rotation.maxBytes, maxFiles: rotation.maxFiles, format: format)
    }
}
