import AICoreAddresses

extension StackPrinter {
    static func service(_ service: Service) -> ConfigValue {
        var fields: [(String, ConfigValue)] = []
        // A made-up name is made again when the printout is loaded (under its stack's name).
        if let image = service.image, service.build?.imageIsGenerated != true { fields.append(("image", text(image))) }
        if let build = service.build { fields.append(("build", self.build(build))) }
        if service.pullPolicy != .missing { fields.append(("pull_policy", .string(service.pullPolicy.description))) }
        if let platform = service.platform { fields.append(("platform", text(platform))) }
        if let entrypoint = service.entrypoint { fields.append(("entrypoint", list(entrypoint))) }
        if let command = service.command { fields.append(("command", list(command))) }
        if let workingDir = service.workingDir { fields.append(("working_dir", text(workingDir))) }
        if let user = service.user { fields.append(("user", text(user))) }
        if !service.groupAdd.isEmpty { fields.append(("group_add", list(service.groupAdd))) }
        if let hostname = service.hostname { fields.append(("hostname", text(hostname))) }
        if let domainname = service.domainname { fields.append(("domainname", text(domainname))) }
        if let macAddress = service.macAddress { fields.append(("mac_address", text(macAddress))) }
        if !service.environment.isEmpty { fields.append(("environment", stringMap(service.environment))) }
        if !service.ports.isEmpty { fields.append(("ports", .list(service.ports.map(port)))) }
        if !service.expose.isEmpty {
            fields.append(("expose", list(service.expose.map { "\($0.target)/\($0.transport.rawValue)" })))
        }
        if !service.volumes.isEmpty { fields.append(("volumes", .list(service.volumes.map(volume)))) }
        if !service.secrets.isEmpty { fields.append(("secrets", .list(service.secrets.map(fileReference)))) }
        if !service.configs.isEmpty { fields.append(("configs", .list(service.configs.map(fileReference)))) }
        if !service.dependsOn.isEmpty {
            fields.append(
                ("depends_on", .object(service.dependsOn.map { dependency in
                    (dependency.service, .object([
                        ("condition", .string(dependency.condition.rawValue)),
                        ("restart", .bool(dependency.restart)),
                        ("required", .bool(dependency.required)),
                    ]))
                })))
        }
        if let healthcheck = service.healthcheck { fields.append(("healthcheck", self.healthcheck(healthcheck))) }
        fields.append(("restart", .string(service.restart.condition.rawValue)))
        fields.append(("deploy", deploy(service)))
        fields.append(("read_only", .bool(service.readOnly)))
        if service.privileged { fields.append(("privileged", .bool(true))) }
        if !service.devices.isEmpty { fields.append(("devices", list(service.devices.map(\.composeText)))) }
        if !service.capAdd.isEmpty { fields.append(("cap_add", list(service.capAdd))) }
        if !service.capDrop.isEmpty { fields.append(("cap_drop", list(service.capDrop))) }
        fields.append(("security_opt", list(service.security.composeList)))
        if !service.ulimits.isEmpty {
            fields.append(
                ("ulimits", .object(service.ulimits.sorted { $0.key < $1.key }.map { name, limit in
                    (name, .object([("soft", .int(limit.soft)), ("hard", .int(limit.hard))]))
                })))
        }
        if service.stopSignalWritten { fields.append(("stop_signal", .string(service.stopSignal.name))) }
        fields.append(("stop_grace_period", duration(service.stopGracePeriod)))
        if !service.postStart.isEmpty { fields.append(("post_start", hooks(service.postStart))) }
        if !service.preStop.isEmpty { fields.append(("pre_stop", hooks(service.preStop))) }
        if let logging = service.logging { fields.append(("logging", self.logging(logging))) }
        if !service.labels.isEmpty { fields.append(("labels", stringMap(service.labels))) }
        if !service.profiles.isEmpty { fields.append(("profiles", list(service.profiles))) }
        // `networks` says bridge by itself, and Compose refuses both keys together.
        if let mode = service.networkMode, service.networks.isEmpty { fields.append(("network_mode", text(mode.composeText))) }
        if let adjustment = service.oomScoreAdj { fields.append(("oom_score_adj", .int(adjustment))) }
        fields += kernel(service.kernel)
        if !service.networks.isEmpty { fields.append(("networks", .object(service.networks.map(network)))) }
        if !service.extraHosts.isEmpty {
            fields.append(("extra_hosts", list(service.extraHosts.map { "\($0.hostname)=\($0.address)" })))
        }
        if !service.dns.isEmpty { fields.append(("dns", list(service.dns))) }
        if !service.dnsSearch.isEmpty { fields.append(("dns_search", list(service.dnsSearch))) }
        if !service.dnsOptions.isEmpty { fields.append(("dns_opt", list(service.dnsOptions))) }
        fields += extensions(service.unimplemented)
        fields.append(("x-aicore", aicore(service.aicore)))
        fields += extensions(service.extensions)
        return .object(fields)
    }

    private static func build(_ build: BuildSettings) -> ConfigValue {
        var fields: [(String, ConfigValue)] = [("context", text(build.context))]
        if let dockerfile = build.dockerfile { fields.append(("dockerfile", text(dockerfile))) }
        if let inline = build.dockerfileInline { fields.append(("dockerfile_inline", text(inline))) }
        if let target = build.target { fields.append(("target", text(target))) }
        if !build.args.isEmpty { fields.append(("args", stringMap(build.args))) }
        if !build.labels.isEmpty { fields.append(("labels", stringMap(build.labels))) }
        if !build.tags.isEmpty { fields.append(("tags", list(build.tags))) }
        if build.noCache { fields.append(("no_cache", .bool(true))) }
        if build.pull { fields.append(("pull", .bool(true))) }
        if !build.platforms.isEmpty { fields.append(("platforms", list(build.platforms))) }
        return .object(fields)
    }

    private static func network(_ network: ServiceNetwork) -> (String, ConfigValue) {
        var fields: [(String, ConfigValue)] = []
        if !network.aliases.isEmpty { fields.append(("aliases", list(network.aliases))) }
        if let address = network.ipv4Address { fields.append(("ipv4_address", .string(address.description))) }
        if let address = network.ipv6Address { fields.append(("ipv6_address", text(address))) }
        if network.priority != 0 { fields.append(("priority", .int(network.priority))) }
        if let name = network.interfaceName { fields.append(("interface_name", text(name))) }
        if let mac = network.macAddress { fields.append(("mac_address", text(mac))) }
        return (network.name, fields.isEmpty ? .null : .object(fields))
    }

    private static func port(_ port: PortMapping) -> ConfigValue {
        var fields: [(String, ConfigValue)] = []
        if let name = port.name { fields.append(("name", text(name))) }
        fields.append(("target", .int(port.target)))
        if let published = port.publishedText { fields.append(("published", .string(published))) }
        if let hostIP = port.hostIP { fields.append(("host_ip", text(hostIP))) }
        fields.append(("protocol", .string(port.transport.rawValue)))
        fields.append(("mode", .string(port.mode.rawValue)))
        if let appProtocol = port.appProtocol { fields.append(("app_protocol", text(appProtocol))) }
        return .object(fields)
    }

    private static func volume(_ mount: VolumeMount) -> ConfigValue {
        var fields: [(String, ConfigValue)] = [("type", .string(mount.kind.rawValue))]
        if let source = mount.source { fields.append(("source", text(source))) }
        fields.append(("target", text(mount.target)))
        fields.append(("read_only", .bool(mount.readOnly)))
        switch mount.kind {
        case .bind:
            var bind: [(String, ConfigValue)] = [("create_host_path", .bool(mount.createHostPath))]
            if let propagation = mount.propagation { bind.append(("propagation", text(propagation))) }
            fields.append(("bind", .object(bind)))
        case .volume:
            var options: [(String, ConfigValue)] = [("nocopy", .bool(mount.noCopy))]
            if let subpath = mount.subpath { options.append(("subpath", text(subpath))) }
            fields.append(("volume", .object(options)))
        case .tmpfs:
            var options: [(String, ConfigValue)] = []
            if let size = mount.tmpfsSize { options.append(("size", .string(size.description))) }
            if let mode = mount.tmpfsMode { options.append(("mode", .string(String(mode, radix: 8)))) }
            if !options.isEmpty { fields.append(("tmpfs", .object(options))) }
        }
        return .object(fields)
    }

    private static func healthcheck(_ check: Healthcheck) -> ConfigValue {
        // Only the keys the file set: on an image, the others come from the image's healthcheck.
        var fields: [(String, ConfigValue)] = []
        if check.written.contains(.test) {
            switch check.test {
            case .exec(let argv)?: fields.append(("test", list(["CMD"] + argv)))
            case .shell(let command)?: fields.append(("test", list(["CMD-SHELL", command])))
            case nil: fields.append(("disable", .bool(true)))
            }
        }
        let values: [(Healthcheck.Field, String, ConfigValue)] = [
            (.interval, "interval", duration(check.interval)), (.timeout, "timeout", duration(check.timeout)),
            (.retries, "retries", .int(check.retries)), (.startPeriod, "start_period", duration(check.startPeriod)),
            (.startInterval, "start_interval", duration(check.startInterval)),
        ]
        fields += values.filter { check.written.contains($0.0) }.map { ($0.1, $0.2) }
        return .object(fields)
    }

    private static func deploy(_ service: Service) -> ConfigValue {
        let deploy = service.deploy
        var fields: [(String, ConfigValue)] = [
            ("mode", .string(deploy.mode.rawValue)), ("replicas", .int(deploy.replicas)),
            ("endpoint_mode", .string(deploy.endpointMode.rawValue)),
        ]
        var resources: [(String, ConfigValue)] = [("limits", resourceSettings(deploy.limits, pidsUnlimitedAsMinusOne: true))]
        if !deploy.reservations.isEmpty {
            resources.append(("reservations", resourceSettings(deploy.reservations, pidsUnlimitedAsMinusOne: false)))
        }
        fields.append(("resources", .object(resources)))
        // The condition is printed as `restart`; the rest of the policy lives here.
        var restart: [(String, ConfigValue)] = [("delay", duration(service.restart.delay))]
        if let attempts = service.restart.maxAttempts { restart.append(("max_attempts", .int(attempts))) }
        if let window = service.restart.window { restart.append(("window", duration(window))) }
        fields.append(("restart_policy", .object(restart)))
        if let update = deploy.updateConfig { fields.append(("update_config", updateConfig(update))) }
        if let rollback = deploy.rollbackConfig { fields.append(("rollback_config", updateConfig(rollback))) }
        if !deploy.labels.isEmpty { fields.append(("labels", stringMap(deploy.labels))) }
        return .object(fields)
    }

    private static func resourceSettings(_ settings: ResourceSettings, pidsUnlimitedAsMinusOne: Bool) -> ConfigValue {
        var fields: [(String, ConfigValue)] = []
        if let cpus = settings.cpus { fields.append(("cpus", .double(cpus))) }
        if let memory = settings.memory { fields.append(("memory", .string(memory.description))) }
        if let pids = settings.pids {
            fields.append(("pids", .int(pids)))
        } else if pidsUnlimitedAsMinusOne {
            fields.append(("pids", .int(-1)))
        }
        return .object(fields)
    }

    private static func updateConfig(_ config: UpdateConfig) -> ConfigValue {
        .object([
            ("parallelism", .int(config.parallelism)), ("delay", duration(config.delay)),
            ("failure_action", .string(config.failureAction.rawValue)), ("monitor", duration(config.monitor)),
            ("max_failure_ratio", .double(config.maxFailureRatio)), ("order", .string(config.order.rawValue)),
        ])
    }

    private static func aicore(_ ext: AICoreExtension) -> ConfigValue {
        var fields: [(String, ConfigValue)] = [
            ("port_env", .string(ext.portEnv)), ("restart_unhealthy", .bool(ext.restartUnhealthy)),
        ]
        var probes: [(String, ConfigValue)] = []
        for (name, probe) in [("startup", ext.probes.startup), ("liveness", ext.probes.liveness), ("readiness", ext.probes.readiness)] {
            if let probe { probes.append((name, self.probe(probe))) }
        }
        if !probes.isEmpty { fields.append(("probes", .object(probes))) }
        let rollout = ext.rollout
        fields.append(
            ("rollout", .object([
                ("max_surge", amount(rollout.maxSurge)),
                ("max_unavailable", amount(rollout.maxUnavailable)),
                ("min_ready", duration(rollout.minReady)), ("progress_deadline", duration(rollout.progressDeadline)),
                ("auto_rollback", .bool(rollout.autoRollback)), ("revision_history", .int(rollout.revisionHistory)),
                ("drain_timeout", duration(rollout.drainTimeout)),
            ])))
        if ext.security != .standard { fields.append(("security", .string(ext.security.rawValue))) }
        if !ext.hidePaths.isEmpty {
            fields.append(("hide_paths", .list(ext.hidePaths.map { .string($0) })))
        }
        if ext.proxy != ProxySettings() {
            fields.append(("proxy", .object([("balance", .string(ext.proxy.balance.rawValue)),
                                             ("connect", .string(ext.proxy.connect.rawValue))])))
        }
        if let autoscale = ext.autoscale {
            var scale: [(String, ConfigValue)] = [("min", .int(autoscale.min)), ("max", .int(autoscale.max))]
            if let cpu = autoscale.cpuPercent { scale.append(("cpu", .int(cpu))) }
            if let memory = autoscale.memoryPercent { scale.append(("memory", .int(memory))) }
            if let rate = autoscale.requestsPerSecond { scale.append(("requests_per_second", .double(rate))) }
            scale.append(
                ("behavior", .object([
                    ("scale_up", .object([("stabilization", duration(autoscale.scaleUpStabilization))])),
                    ("scale_down", .object([("stabilization", duration(autoscale.scaleDownStabilization))])),
                ])))
            fields.append(("autoscale", .object(scale)))
        }
        switch ext.disruptionBudget {
        case .minAvailable(let amount)?:
            fields.append(("disruption_budget", .object([("min_available", self.amount(amount))])))
        case .maxUnavailable(let amount)?:
            fields.append(("disruption_budget", .object([("max_unavailable", self.amount(amount))])))
        case nil:
            break
        }
        return .object(fields)
    }

    private static func amount(_ value: IntOrPercent) -> ConfigValue {
        switch value {
        case .count(let count): return .int(count)
        case .percent: return .string(value.description)
        }
    }

    private static func probe(_ probe: Probe) -> ConfigValue {
        var fields: [(String, ConfigValue)] = []
        switch probe.action {
        case .httpGet(let path, let port, let headers):
            var get: [(String, ConfigValue)] = [("path", text(path))]
            if let port { get.append(("port", .int(port))) }
            if !headers.isEmpty { get.append(("headers", stringMap(headers))) }
            fields.append(("http_get", .object(get)))
        case .tcpSocket(let port):
            fields.append(("tcp_socket", .object(port.map { [("port", .int($0))] } ?? [])))
        case .exec(let command):
            fields.append(("exec", .object([("command", list(command))])))
        }
        fields += [
            ("initial_delay", duration(probe.initialDelay)), ("period", duration(probe.period)),
            ("timeout", duration(probe.timeout)), ("success_threshold", .int(probe.successThreshold)),
            ("failure_threshold", .int(probe.failureThreshold)),
        ]
        return .object(fields)
    }
}

extension StackPrinter {
    /// As Compose writes it: the options are strings, each as the file wrote it.
    static func logging(_ logging: LoggingSettings) -> ConfigValue {
        var fields: [(String, ConfigValue)] = []
        if let driver = logging.driver { fields.append(("driver", .string(driver.rawValue))) }
        var options: [(String, ConfigValue)] = []
        if let size = logging.maxSize { options.append(("max-size", text(size.text))) }
        if let count = logging.maxFile { options.append(("max-file", .string(String(count)))) }
        if let tag = logging.tag { options.append(("tag", text(tag.template))) }
        if !options.isEmpty { fields.append(("options", .object(options))) }
        return .object(fields)
    }
}
