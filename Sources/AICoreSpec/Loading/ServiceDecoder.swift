import Foundation

/// Decodes one `services.<name>` mapping into a `Service`, reporting every problem it finds.
struct ServiceDecoder {
    let context: DecodeContext
    /// Relative paths (binds, env files, profiles) resolve against the first stack file's directory.
    let baseDirectory: String
    /// The interpolation environment, also used for `environment: [KEY]` with no value.
    let variables: [String: String]
    /// Whether a path exists on this host, for mount targets the read-only host root must have.
    let hostPathExists: @Sendable (String) -> Bool
    /// The first symbolic link in a path on this host: mounts follow none.
    let hostSymlink: @Sendable (String) -> HostSymlink?

    /// Values of the legacy top-level resource keys, applied after `deploy` so either order works.
    private struct LegacyResources {
        var cpus: (Double, SourceLocation)?
        var memory: (ByteSize, SourceLocation)?
        var reservation: (ByteSize, SourceLocation)?
        var pids: (Int?, SourceLocation)?
        var scale: (Int, SourceLocation)?
    }

    func decode(name: String, node: YAMLNode, path: String) -> Service? {
        var service = Service(name: name)
        service.stopSignalWritten = false
        guard
            let entries = context.entries(
                node, path, catalog: ComposeKeys.service, unimplemented: { service.unimplemented[$0] = ConfigValue($1) })
        else {
            return nil
        }
        var legacy = LegacyResources()
        var composeRestart: RestartPolicy?
        var deployRestart: (policy: RestartPolicy, conditionSet: Bool, location: SourceLocation)?
        var deployReplicas: (Int, SourceLocation)?
        var environmentFromFiles: [String: String] = [:]
        var environment: [String: String] = [:]
        var hasCommand = false
        var mounts: [LocatedMount] = []
        var tmpfsMounts: [LocatedMount] = []
        var written = WrittenKeys()

        for (key, value, keyPath, keyLocation) in entries {
            switch key {
            case "image":
                service.image = context.string(value, keyPath)
            case "build":
                service.build = decodeBuild(value, keyPath)
            case "command":
                service.command = context.command(value, keyPath)
                hasCommand = true
                written.command = keyLocation
            case "entrypoint":
                service.entrypoint = context.command(value, keyPath)
                hasCommand = true
                written.entrypoint = keyLocation
            case "environment":
                for (envKey, envValue, location, itemPath) in context.listOrDict(value, keyPath) ?? [] {
                    guard EnvFileParser.isValidKey(envKey) else {
                        context.error("invalid variable name \"\(envKey)\"", at: location, path: itemPath)
                        continue
                    }
                    // A key without a value takes the agent's environment, or is left out.
                    if let resolved = envValue ?? variables[envKey] { environment[envKey] = resolved }
                    written.environment[envKey] = (location, itemPath)
                }
            case "env_file":
                environmentFromFiles.merge(decodeEnvFiles(value, keyPath)) { _, new in new }
            case "working_dir":
                if let dir = context.string(value, keyPath) {
                    if dir.hasPrefix("/") {
                        service.workingDir = dir
                    } else {
                        context.error("expected an absolute path, found \"\(dir)\"", at: value.location, path: keyPath)
                    }
                }
            case "user":
                service.user = context.string(value, keyPath, what: "a user name or uid[:gid]")
            case "hostname":
                if let hostname = context.string(value, keyPath) {
                    if Self.isValidHostname(hostname) {
                        service.hostname = hostname
                    } else {
                        context.error(
                            "expected a hostname (letters, digits, '-' and '.', at most 63 characters a label), found \"\(hostname)\"",
                            at: value.location, path: keyPath)
                    }
                }
            case "ports":
                service.ports = decodePorts(value, keyPath)
            case "volumes":
                mounts = decodeVolumes(value, keyPath)
            case "tmpfs":
                tmpfsMounts = decodeTmpfs(value, keyPath)
            case "secrets":
                service.secrets = decodeFileReferences(value, keyPath, kind: .secret)
            case "configs":
                service.configs = decodeFileReferences(value, keyPath, kind: .config)
            case "depends_on":
                service.dependsOn = decodeDependsOn(value, keyPath)
            case "healthcheck":
                service.healthcheck = decodeHealthcheck(value, keyPath, hasImage: node["image"] != nil || node["build"] != nil)
            case "restart":
                if let text = context.string(value, keyPath) {
                    if let policy = RestartPolicy(composeText: text) {
                        composeRestart = policy
                    } else {
                        context.error(
                            "expected `no`, `always`, `on-failure`, `on-failure:N` or `unless-stopped`, found \"\(text)\"",
                            at: value.location, path: keyPath)
                    }
                }
            case "deploy":
                let decoded = decodeDeploy(value, keyPath, into: &service.deploy)
                deployRestart = decoded.restart
                deployReplicas = decoded.replicas
            case "pull_policy":
                if let text = context.string(value, keyPath) {
                    if let policy = PullPolicy(parsing: text) {
                        service.pullPolicy = policy
                        if policy == .build, node["build"] == nil {
                            context.error("`pull_policy: build` needs a `build` section that says how to build the image", at: value.location, path: keyPath)
                        }
                    } else {
                        context.error("expected `always`, `missing`, `never`, `build`, `daily`, `weekly` or `every_<duration>` (e.g. every_12h), found \"\(text)\"", at: value.location, path: keyPath)
                    }
                }
            case "platform":
                if let text = context.string(value, keyPath) {
                    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
                    if (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) {
                        service.platform = text
                        checkPlatform(text, at: value.location, path: keyPath)
                    } else {
                        context.error("expected os/architecture[/variant], e.g. linux/arm64, found \"\(text)\"", at: value.location, path: keyPath)
                    }
                }
            case "read_only":
                service.readOnly = context.bool(value, keyPath) ?? false
            case "cap_add":
                service.capAdd = decodeCapabilities(value, keyPath)
            case "cap_drop":
                service.capDrop = decodeCapabilities(value, keyPath)
            case "security_opt":
                service.security = decodeSecurityOptions(value, keyPath)
            case "oom_score_adj":
                service.oomScoreAdj = context.int(value, keyPath, range: -1000...1000, what: "an integer from -1000 to 1000")
            case "pids_limit":
                if let limit = context.int(value, keyPath, range: -1...Int.max, what: "an integer (-1 for no limit)") {
                    legacy.pids = (limit <= 0 ? nil : limit, keyLocation)
                }
            case "ulimits":
                service.ulimits = decodeUlimits(value, keyPath)
            case "stop_signal":
                if let text = context.string(value, keyPath) {
                    if let signal = StopSignal(parsing: text) {
                        service.stopSignal = signal
                        service.stopSignalWritten = true
                    } else {
                        context.error(
                            "expected a signal name like SIGTERM or SIGQUIT, or a number from 1 to 64, found \"\(text)\"",
                            at: value.location, path: keyPath)
                    }
                }
            case "post_start":
                service.postStart = decodeHooks(value, keyPath, servicePrivileged: isPrivileged(node))
            case "pre_stop":
                service.preStop = decodeHooks(value, keyPath, servicePrivileged: isPrivileged(node))
            case "stop_grace_period":
                if let grace = context.duration(value, keyPath) { service.stopGracePeriod = grace }
            case "labels":
                service.labels = decodeStringMap(value, keyPath)
            case "profiles":
                service.profiles = context.stringList(value, keyPath) ?? []
            case "scale":
                if let scale = context.int(value, keyPath) { legacy.scale = (scale, value.location) }
            case "network_mode":
                written.networkMode = keyLocation
                service.networkMode = decodeNetworkMode(value, keyPath)
            case "networks":
                written.networks = keyLocation
                service.networks = decodeServiceNetworks(value, keyPath)
            case "expose":
                service.expose = decodeExpose(value, keyPath)
            case "dns":
                service.dns = decodeNameServers(value, keyPath)
            case "dns_search":
                service.dnsSearch = decodeSearchDomains(value, keyPath)
            case "dns_opt":
                service.dnsOptions = decodeResolverOptions(value, keyPath)
            case "domainname":
                service.domainname = decodeDomainName(value, keyPath)
            case "mac_address":
                service.macAddress = macAddress(value, keyPath)
            case "extra_hosts":
                service.extraHosts = decodeExtraHosts(value, keyPath)
            case "cpus":
                if let cpus = decodeCPUs(value, keyPath) { legacy.cpus = (cpus, keyLocation) }
            case "mem_limit":
                if let size = context.byteSize(value, keyPath) { legacy.memory = (size, keyLocation) }
            case "mem_reservation":
                if let size = context.byteSize(value, keyPath) { legacy.reservation = (size, keyLocation) }
            case "privileged":
                service.privileged = decodePrivileged(value, keyPath, keyLocation)
            case "devices":
                service.devices = decodeDevices(value, keyPath)
            case "group_add":
                service.groupAdd = decodeGroupAdd(value, keyPath)
            case "init":
                // Every instance runs under aicore-init as PID 1 (it reaps and forwards signals,
                // as Docker's `init: true` does): satisfied either way, so only the type is checked.
                // Kept as written, where it was kept while it was an ignored key, so that a
                // service's printout and revision hash stay what they were.
                if context.bool(value, keyPath) != nil { service.unimplemented[key] = ConfigValue(value) }
            case "ipc", "userns_mode":
                decodeNamespaceMode(key, value, keyPath, keyLocation, into: &service)
            case "volumes_from":
                decodeVolumesFrom(value, keyPath, service: service.name)
            case "shm_size", "sysctls", "cpu_shares", "cpu_period", "cpu_quota", "cpuset", "mem_swappiness", "memswap_limit", "blkio_config":
                decodeKernelKey(key, value, keyPath, keyLocation, into: &service.kernel, written: &written)
            case "logging":
                service.logging = decodeLogging(value, keyPath, into: &service)
            case "x-aicore":
                service.aicore = AICoreExtensionDecoder(context: context).decode(value, keyPath)
            default:
                if key.hasPrefix("x-") { service.extensions[key] = ConfigValue(value) }
            }
        }

        if node["logging"] == nil { service.logging = context.defaultLogging }
        // env_file first, `environment` wins, as in Compose.
        service.environment = environmentFromFiles.merging(environment) { _, explicit in explicit }
        mounts += tmpfsMounts
        service.volumes = mounts.map(\.mount)
        applyLegacy(legacy, deployReplicas: deployReplicas, to: &service, path: path)
        combineNetworkMode(&service, path: path, written: written)
        combineKernelSettings(&service, path: path, written: written)
        service.restart = combineRestart(compose: composeRestart, deploy: deployRestart, path: path)
        if !hasCommand && service.image == nil && node["build"] == nil {
            context.error(
                "a service needs a `command` (run from the host root filesystem) or an `image`",
                at: node.location, path: path)
        }
        if service.image == nil && node["build"] == nil {
            // Without an image nothing fills in what the file leaves out: the defaults are the
            // service's own, and print as such.
            service.stopSignalWritten = true
            service.healthcheck?.written = Set(Healthcheck.Field.allCases)
        }
        if service.aicore.security == .restricted { applyRestrictedProfile(&service, path: path, written: written) }
        warnAboutHostDifferences(service, path: path, written: written, mounts: mounts)
        warnAboutFileTargets(service, path: path, mounts: mounts)
        return service
    }

    // MARK: Combining

    private func applyLegacy(
        _ legacy: LegacyResources, deployReplicas: (Int, SourceLocation)?, to service: inout Service, path: String
    ) {
        if let (cpus, location) = legacy.cpus {
            if let existing = service.deploy.limits.cpus, existing != cpus {
                context.error(
                    "cpus (\(cpus.compactDescription)) disagrees with deploy.resources.limits.cpus (\(existing.compactDescription))", at: location,
                    path: DecodeContext.join(path, "cpus"))
            }
            service.deploy.limits.cpus = cpus
        }
        if let (memory, location) = legacy.memory {
            if service.deploy.limits.memory.map({ $0 != memory }) == true {
                context.error(
                    "mem_limit disagrees with deploy.resources.limits.memory", at: location,
                    path: DecodeContext.join(path, "mem_limit"))
            }
            service.deploy.limits.memory = memory
        }
        if let (memory, location) = legacy.reservation {
            if service.deploy.reservations.memory.map({ $0 != memory }) == true {
                context.error(
                    "mem_reservation disagrees with deploy.resources.reservations.memory", at: location,
                    path: DecodeContext.join(path, "mem_reservation"))
            }
            service.deploy.reservations.memory = memory
        }
        if let (pids, _) = legacy.pids {
            service.deploy.limits.pids = pids
        }
        if let (scale, location) = legacy.scale {
            if let (replicas, _) = deployReplicas, replicas != scale {
                context.error(
                    "scale (\(scale)) disagrees with deploy.replicas (\(replicas)); set only one",
                    at: location, path: DecodeContext.join(path, "scale"))
            }
            service.deploy.replicas = scale
        }
        if service.deploy.mode == .global {
            service.deploy.replicas = 1
        }
    }

    /// `restart` sets the condition; `deploy.restart_policy` adds delay, attempts and window,
    /// and its explicit `condition` wins.
    private func combineRestart(
        compose: RestartPolicy?, deploy: (policy: RestartPolicy, conditionSet: Bool, location: SourceLocation)?,
        path: String
    ) -> RestartPolicy {
        guard let deploy else { return compose ?? RestartPolicy(condition: .no) }
        var policy = deploy.policy
        if let compose {
            if deploy.conditionSet, compose.condition != deploy.policy.condition {
                context.warning(
                    .notice,
                    "`restart: \(compose.composeText)` is overridden by deploy.restart_policy.condition",
                    at: deploy.location, path: DecodeContext.join(path, "deploy.restart_policy"))
            }
            if !deploy.conditionSet { policy.condition = compose.condition }
            if policy.maxAttempts == nil { policy.maxAttempts = compose.maxAttempts }
        }
        return policy
    }

    // MARK: Environment

    private func decodeEnvFiles(_ node: YAMLNode, _ path: String) -> [String: String] {
        var files: [EnvFileReference] = []
        if let items = node.items {
            for (offset, item) in items.enumerated() {
                let itemPath = DecodeContext.index(path, offset)
                if item.entries != nil {
                    if let file = decodeLongEnvFile(item, itemPath) { files.append(file) }
                } else if let text = context.string(item, itemPath) {
                    files.append(EnvFileReference(path: text, location: item.location, keyPath: itemPath))
                }
            }
        } else if let text = context.string(node, path, what: "a path or a list of paths") {
            files.append(EnvFileReference(path: text, location: node.location, keyPath: path))
        }
        var result: [String: String] = [:]
        for file in files {
            result.merge(readEnvFile(file)) { _, later in later }
        }
        return result
    }

    static let envFileCatalog = KeyCatalog("env_file entry", supported: ["path", "required", "format"])

    private func decodeStringMap(_ node: YAMLNode, _ path: String) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value, _, _) in context.listOrDict(node, path) ?? [] {
            result[key] = value ?? ""
        }
        return result
    }

    // MARK: Ports

    private func decodePorts(_ node: YAMLNode, _ path: String) -> [PortMapping] {
        guard let items = node.items else {
            context.expected("a list of ports", node, path)
            return []
        }
        var result: [PortMapping] = []
        for (offset, item) in items.enumerated() {
            let itemPath = DecodeContext.index(path, offset)
            context.record(itemPath, at: item.location)
            let before = result.count
            defer {
                if let hostIP = result[before...].lazy.compactMap(\.hostIP).first, !NetworkSyntax.isIPAddress(hostIP) {
                    context.error("expected the host address to be an IP address, found \"\(hostIP)\"", at: item.location, path: itemPath)
                    result.removeSubrange(before...)
                }
                for port in result[before...] { context.portOrigins.append((port, itemPath)) }
                if result[before...].contains(where: { $0.transport == .sctp }) {
                    context.warning(.unsupported, Self.sctpNotServed, at: item.location, path: itemPath)
                }
            }
            if item.entries != nil {
                result += decodeLongPort(item, itemPath)
            } else if let text = context.string(item, itemPath, what: "a port like \"8080:80\" or a mapping") {
                switch PortSyntax.parse(text) {
                case .success(let ports): result += ports
                case .failure(let failure): context.error(failure.message, at: item.location, path: itemPath)
                }
            }
        }
        return result
    }

    private func decodeLongPort(_ node: YAMLNode, _ path: String) -> [PortMapping] {
        guard let entries = context.entries(node, path, catalog: ComposeKeys.port) else { return [] }
        var target: Int?
        var published: ClosedRange<Int>?
        var hostIP: String?
        var transport = PortMapping.TransportProtocol.tcp
        var mode = PortMapping.Mode.ingress
        var name: String?
        var appProtocol: String?
        var valid = true
        for (key, value, keyPath, _) in entries {
            switch key {
            case "target":
                target = context.int(value, keyPath, range: 1...65535)
                valid = valid && target != nil
            case "published":
                if let text = context.string(value, keyPath) {
                    published = PortSyntax.range(Substring(text))
                    if published == nil {
                        context.error(
                            "expected a port or range from 1 to 65535, found \"\(text)\"", at: value.location, path: keyPath)
                        valid = false
                    }
                }
            case "host_ip":
                hostIP = context.string(value, keyPath)
            case "protocol":
                transport = context.choice(value, keyPath, PortMapping.TransportProtocol.self) ?? .tcp
            case "mode":
                mode = context.choice(value, keyPath, PortMapping.Mode.self) ?? .ingress
            case "name":
                name = context.string(value, keyPath)
            case "app_protocol":
                appProtocol = context.string(value, keyPath)
            default:
                break
            }
        }
        guard valid else { return [] }
        guard let target else {
            context.error("a port needs a `target`", at: node.location, path: path)
            return []
        }
        switch PortSyntax.expand(
            target: target...target, published: published, hostIP: hostIP, transport: transport,
            text: "\(target)", mode: mode, name: name, appProtocol: appProtocol)
        {
        case .success(let ports): return ports
        case .failure(let failure):
            context.error(failure.message, at: node.location, path: path)
            return []
        }
    }

    // MARK: Dependencies, health, deploy

    private func decodeDependsOn(_ node: YAMLNode, _ path: String) -> [ServiceDependency] {
        if let items = node.items {
            var result: [ServiceDependency] = []
            for (offset, item) in items.enumerated() {
                if let name = context.string(item, DecodeContext.index(path, offset), what: "a service name") {
                    context.record(DecodeContext.join(path, name), at: item.location)
                    result.append(ServiceDependency(service: name))
                }
            }
            return result
        }
        guard let entries = node.entries else {
            context.expected("a list of service names or a mapping", node, path)
            return []
        }
        var result: [ServiceDependency] = []
        for entry in entries {
            let entryPath = DecodeContext.join(path, entry.key)
            context.record(entryPath, at: entry.keyLocation)
            var dependency = ServiceDependency(service: entry.key)
            if !entry.value.isNull {
                for (key, value, keyPath, _) in context.entries(entry.value, entryPath, catalog: ComposeKeys.dependsOn) ?? []
                {
                    switch key {
                    case "condition":
                        dependency.condition =
                            context.choice(value, keyPath, ServiceDependency.Condition.self) ?? .serviceStarted
                    case "restart": dependency.restart = context.bool(value, keyPath) ?? false
                    case "required": dependency.required = context.bool(value, keyPath) ?? true
                    default: break
                    }
                }
            }
            result.append(dependency)
        }
        return result
    }

    private func decodeHealthcheck(_ node: YAMLNode, _ path: String, hasImage: Bool) -> Healthcheck? {
        guard let entries = context.entries(node, path, catalog: ComposeKeys.healthcheck) else { return nil }
        var check = Healthcheck(test: nil)
        check.written = []
        var hasTest = false
        var disabled = false
        for (key, value, keyPath, _) in entries {
            if let field = Healthcheck.Field(composeKey: key) { check.written.insert(field) }
            switch key {
            case "test":
                hasTest = true
                check.test = decodeHealthTest(value, keyPath, disabled: &disabled)
            case "interval":
                if let duration = positiveDuration(value, keyPath) { check.interval = duration }
            case "timeout":
                if let duration = positiveDuration(value, keyPath) { check.timeout = duration }
            case "start_interval":
                if let duration = positiveDuration(value, keyPath) { check.startInterval = duration }
            case "start_period":
                if let duration = context.duration(value, keyPath) { check.startPeriod = duration }
            case "retries":
                if let retries = context.int(value, keyPath) {
                    // Docker treats 0 as "use the default".
                    check.retries = retries == 0 ? Healthcheck.defaultRetries : retries
                }
            case "disable":
                if context.bool(value, keyPath) == true { disabled = true }
            default:
                break
            }
        }
        if disabled {
            check.test = nil
            check.written.insert(.test)
        } else if !hasTest && !hasImage {
            context.warning(
                .notice, "the healthcheck has no `test`; with no image to inherit one from, nothing is checked",
                at: node.location, path: path)
        }
        return check
    }

    private func decodeHealthTest(_ node: YAMLNode, _ path: String, disabled: inout Bool) -> Healthcheck.Test? {
        if node.items == nil {
            guard let text = context.string(node, path, what: "a command string or a list") else { return nil }
            return .shell(text)
        }
        guard let words = context.stringList(node, path) else { return nil }
        guard let first = words.first else {
            context.error(
                "expected a list starting with \"CMD\", \"CMD-SHELL\" or \"NONE\", found an empty list",
                at: node.location, path: path)
            return nil
        }
        switch first {
        case "NONE":
            disabled = true
            return nil
        case "CMD":
            guard words.count > 1 else {
                context.error("\"CMD\" needs a command after it", at: node.location, path: path)
                return nil
            }
            return .exec(Array(words.dropFirst()))
        case "CMD-SHELL":
            guard words.count > 1 else {
                context.error("\"CMD-SHELL\" needs a command after it", at: node.location, path: path)
                return nil
            }
            return .shell(words.dropFirst().joined(separator: " "))
        default:
            context.error(
                "expected the list to start with \"CMD\", \"CMD-SHELL\" or \"NONE\", found \"\(first)\"",
                at: node.items?.first?.location ?? node.location, path: DecodeContext.index(path, 0))
            return nil
        }
    }

    private func positiveDuration(_ node: YAMLNode, _ path: String) -> Duration? {
        guard let duration = context.duration(node, path) else { return nil }
        guard duration > .zero else {
            context.error("expected a duration greater than zero, found \"\(node.scalar?.text ?? "")\"", at: node.location, path: path)
            return nil
        }
        return duration
    }

    func decodeCPUs(_ node: YAMLNode, _ path: String) -> Double? {
        guard let cpus = context.double(node, path, what: "a number of CPUs like 0.5 or \"2\"") else { return nil }
        guard cpus > 0 else {
            context.error("expected a number of CPUs greater than zero, found \(cpus.compactDescription)", at: node.location, path: path)
            return nil
        }
        return cpus
    }

    private func decodeDeploy(
        _ node: YAMLNode, _ path: String, into deploy: inout DeploySettings
    ) -> (restart: (policy: RestartPolicy, conditionSet: Bool, location: SourceLocation)?, replicas: (Int, SourceLocation)?) {
        var restart: (RestartPolicy, Bool, SourceLocation)?
        var replicas: (Int, SourceLocation)?
        for (key, value, keyPath, _) in context.entries(node, path, catalog: ComposeKeys.deploy) ?? [] {
            switch key {
            case "mode":
                deploy.mode = context.choice(value, keyPath, DeploySettings.Mode.self) ?? .replicated
            case "replicas":
                if let count = context.int(value, keyPath) {
                    deploy.replicas = count
                    replicas = (count, value.location)
                }
            case "labels":
                deploy.labels = decodeStringMap(value, keyPath)
            case "resources":
                for (key, value, keyPath, _) in context.entries(value, keyPath, catalog: ComposeKeys.resources) ?? [] {
                    if key == "limits" {
                        decodeResources(value, keyPath, catalog: ComposeKeys.limits, into: &deploy.limits)
                    } else if key == "reservations" {
                        decodeResources(value, keyPath, catalog: ComposeKeys.reservations, into: &deploy.reservations)
                    }
                }
            case "restart_policy":
                restart = decodeRestartPolicy(value, keyPath)
            case "update_config":
                deploy.updateConfig = decodeUpdateConfig(value, keyPath, defaults: .updateDefaults)
            case "rollback_config":
                deploy.rollbackConfig = decodeUpdateConfig(value, keyPath, defaults: .rollbackDefaults)
            case "endpoint_mode":
                deploy.endpointMode = context.choice(value, keyPath, DeploySettings.EndpointMode.self) ?? .vip
            default:
                break
            }
        }
        return (restart, replicas)
    }

    private func decodeResources(_ node: YAMLNode, _ path: String, catalog: KeyCatalog, into settings: inout ResourceSettings) {
        for (key, value, keyPath, _) in context.entries(node, path, catalog: catalog) ?? [] {
            switch key {
            case "cpus": settings.cpus = decodeCPUs(value, keyPath)
            case "memory": settings.memory = context.byteSize(value, keyPath)
            case "pids":
                if let pids = context.int(value, keyPath, range: -1...Int.max, what: "an integer (-1 for no limit)") {
                    settings.pids = pids <= 0 ? nil : pids
                }
            default: break
            }
        }
    }

    private func decodeRestartPolicy(_ node: YAMLNode, _ path: String) -> (RestartPolicy, Bool, SourceLocation) {
        var policy = RestartPolicy(condition: .always)
        var conditionSet = false
        for (key, value, keyPath, _) in context.entries(node, path, catalog: ComposeKeys.restartPolicy) ?? [] {
            switch key {
            case "condition":
                guard let text = context.string(value, keyPath) else { continue }
                conditionSet = true
                switch text {
                case "none": policy.condition = .no
                case "on-failure": policy.condition = .onFailure
                case "any": policy.condition = .always
                default:
                    context.error(
                        "expected one of `none`, `on-failure`, `any`, found \"\(text)\"", at: value.location, path: keyPath)
                }
            case "delay":
                if let delay = context.duration(value, keyPath) { policy.delay = delay }
            case "max_attempts":
                policy.maxAttempts = context.int(value, keyPath)
            case "window":
                policy.window = context.duration(value, keyPath)
            default:
                break
            }
        }
        return (policy, conditionSet, node.location)
    }

    private func decodeUpdateConfig(_ node: YAMLNode, _ path: String, defaults: UpdateConfig) -> UpdateConfig {
        var config = defaults
        for (key, value, keyPath, _) in context.entries(node, path, catalog: ComposeKeys.updateConfig) ?? [] {
            switch key {
            case "parallelism": config.parallelism = context.int(value, keyPath) ?? config.parallelism
            case "delay": config.delay = context.duration(value, keyPath) ?? config.delay
            case "failure_action":
                config.failureAction = context.choice(value, keyPath, UpdateConfig.FailureAction.self) ?? config.failureAction
            case "monitor": config.monitor = context.duration(value, keyPath) ?? config.monitor
            case "max_failure_ratio":
                if let ratio = context.double(value, keyPath, what: "a ratio from 0 to 1") {
                    if (0...1).contains(ratio) {
                        config.maxFailureRatio = ratio
                    } else {
                        context.error("expected a ratio from 0 to 1, found \(ratio.compactDescription)", at: value.location, path: keyPath)
                    }
                }
            case "order": config.order = context.choice(value, keyPath, UpdateConfig.Order.self) ?? config.order
            default: break
            }
        }
        return config
    }

    // MARK: Security and limits

    private func decodeCapabilities(_ node: YAMLNode, _ path: String) -> [String] {
        guard let items = node.items else {
            context.expected("a list of capabilities", node, path)
            return []
        }
        var result: [String] = []
        for (offset, item) in items.enumerated() {
            let itemPath = DecodeContext.index(path, offset)
            guard let text = context.string(item, itemPath) else { continue }
            if let capability = Capabilities.normalize(text) {
                if !result.contains(capability) { result.append(capability) }
            } else {
                context.error("unknown capability \"\(text)\"; expected a name like NET_ADMIN or ALL", at: item.location, path: itemPath)
            }
        }
        return result
    }

    private func decodeSecurityOptions(_ node: YAMLNode, _ path: String) -> SecurityOptions {
        var options = SecurityOptions()
        guard let items = node.items else {
            context.expected("a list of options", node, path)
            return options
        }
        for (offset, item) in items.enumerated() {
            let itemPath = DecodeContext.index(path, offset)
            guard let text = context.string(item, itemPath) else { continue }
            let separator = text.firstIndex(where: { $0 == "=" || $0 == ":" })
            let name = separator.map { String(text[..<$0]) } ?? text
            let argument = separator.map { String(text[text.index(after: $0)...]) }
            switch name {
            case "no-new-privileges":
                switch argument {
                case nil, "true": options.noNewPrivileges = true
                case "false": options.noNewPrivileges = false
                default:
                    context.error("expected no-new-privileges, no-new-privileges:true or :false", at: item.location, path: itemPath)
                }
            case "seccomp":
                switch argument {
                case "unconfined": options.seccomp = .unconfined
                case nil, "":
                    context.error("expected seccomp=unconfined or seccomp=PROFILE.json", at: item.location, path: itemPath)
                case let profile?:
                    options.seccomp = .profile(PathResolver.resolve(profile, against: baseDirectory))
                }
            case "apparmor", "label", "systempaths":
                context.warning(.ignored, Self.confinementNotApplied(name, written: text), at: item.location, path: itemPath)
            default:
                context.error(
                    "unknown security option \"\(text)\"; expected no-new-privileges or seccomp=…", at: item.location,
                    path: itemPath)
            }
        }
        return options
    }

    private func decodeUlimits(_ node: YAMLNode, _ path: String) -> [String: Ulimit] {
        guard let entries = node.entries else {
            context.expected("a mapping of limit names", node, path)
            return [:]
        }
        var result: [String: Ulimit] = [:]
        for entry in entries {
            let entryPath = DecodeContext.join(path, entry.key)
            guard Ulimit.names.contains(entry.key) else {
                let known = KeyCatalog("ulimits", supported: Array(Ulimit.names))
                let hint = known.suggestion(for: entry.key).map { "; did you mean `\($0)`?" } ?? ""
                context.error("unknown ulimit `\(entry.key)`\(hint)", at: entry.keyLocation, path: entryPath)
                continue
            }
            if entry.value.scalar != nil {
                if let value = context.int(entry.value, entryPath, range: -1...Int.max, what: "an integer or {soft, hard}") {
                    result[entry.key] = Ulimit(soft: value, hard: value)
                }
                continue
            }
            var soft: Int?
            var hard: Int?
            for (key, value, keyPath, _) in context.entries(entry.value, entryPath, catalog: ComposeKeys.ulimit) ?? [] {
                if key == "soft" { soft = context.int(value, keyPath, range: -1...Int.max) }
                if key == "hard" { hard = context.int(value, keyPath, range: -1...Int.max) }
            }
            guard let soft, let hard else {
                context.error("a ulimit needs both `soft` and `hard`", at: entry.value.location, path: entryPath)
                continue
            }
            if hard >= 0, soft > hard || soft < 0 {
                context.error("the soft limit (\(soft)) exceeds the hard limit (\(hard))", at: entry.value.location, path: entryPath)
                continue
            }
            result[entry.key] = Ulimit(soft: soft, hard: hard)
        }
        return result
    }

    // MARK: Networks and hosts

    private func decodeExtraHosts(_ node: YAMLNode, _ path: String) -> [ExtraHost] {
        var result: [ExtraHost] = []
        // `host-gateway` stands for the host's address as the instance sees it (Docker's spelling).
        func add(_ hostname: String, _ address: String, _ location: SourceLocation, _ itemPath: String) {
            guard NetworkSyntax.isDNSName(hostname) else {
                context.error("expected a hostname before the address, found \"\(hostname)\"", at: location, path: itemPath)
                return
            }
            guard NetworkSyntax.isIPAddress(address) || address == "host-gateway" else {
                context.error(
                    "expected an IP address (or host-gateway) for \(hostname), found \"\(address)\"", at: location, path: itemPath)
                return
            }
            result.append(ExtraHost(hostname: hostname, address: address))
        }
        if let items = node.items {
            for (offset, item) in items.enumerated() {
                let itemPath = DecodeContext.index(path, offset)
                guard let text = context.string(item, itemPath) else { continue }
                // "host=ip" or "host:ip"; an IPv6 address may hold colons, so split at the first one.
                guard let split = text.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                    context.error("expected HOST:IP or HOST=IP, found \"\(text)\"", at: item.location, path: itemPath)
                    continue
                }
                var address = String(text[text.index(after: split)...])
                if address.hasPrefix("[") && address.hasSuffix("]") { address = String(address.dropFirst().dropLast()) }
                add(String(text[..<split]), address, item.location, itemPath)
            }
            return result
        }
        guard let entries = node.entries else {
            context.expected("a list of HOST:IP strings or a mapping", node, path)
            return []
        }
        for entry in entries {
            let entryPath = DecodeContext.join(path, entry.key)
            if let items = entry.value.items {
                for (offset, address) in (context.stringList(entry.value, entryPath) ?? []).enumerated() {
                    add(entry.key, address, items[offset].location, DecodeContext.index(entryPath, offset))
                }
            } else if let address = context.string(entry.value, entryPath) {
                add(entry.key, address, entry.value.location, entryPath)
            }
        }
        return result
    }

    static func isValidHostname(_ name: String) -> Bool {
        guard !name.isEmpty, name.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}
