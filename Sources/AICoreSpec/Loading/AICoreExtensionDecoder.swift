/// Decodes a service's `x-aicore` block.
struct AICoreExtensionDecoder {
    let context: DecodeContext

    func decode(_ node: YAMLNode, _ path: String) -> AICoreExtension {
        var result = AICoreExtension()
        for (key, value, keyPath, _) in context.entries(node, path, catalog: ComposeKeys.aicore) ?? [] {
            switch key {
            case "probes": result.probes = decodeProbes(value, keyPath)
            case "rollout": result.rollout = decodeRollout(value, keyPath)
            case "autoscale": result.autoscale = decodeAutoscale(value, keyPath)
            case "disruption_budget": result.disruptionBudget = decodeBudget(value, keyPath)
            case "port_env":
                if let name = context.string(value, keyPath) {
                    if EnvFileParser.isValidKey(name) {
                        result.portEnv = name
                    } else {
                        context.error("expected an environment variable name, found \"\(name)\"", at: value.location, path: keyPath)
                    }
                }
            case "hide_paths": result.hidePaths = decodeHidePaths(value, keyPath)
            case "restart_unhealthy": result.restartUnhealthy = context.bool(value, keyPath) ?? true
            case "security": result.security = context.choice(value, keyPath, AICoreExtension.SecurityProfile.self) ?? result.security
            case "proxy":
                for (key, value, keyPath, _) in context.entries(value, keyPath, catalog: ComposeKeys.aicoreProxy) ?? [] {
                    switch key {
                    case "balance": result.proxy.balance = context.choice(value, keyPath, ProxySettings.Balance.self) ?? result.proxy.balance
                    case "connect": result.proxy.connect = context.choice(value, keyPath, ProxySettings.Connect.self) ?? result.proxy.connect
                    default: break
                    }
                }
            default: break
            }
        }
        return result
    }

    /// Absolute host paths, each once; `..` is refused (the path is hidden as written, after
    /// symlinks on the host are resolved), and so is `/` (the whole root cannot be hidden).
    private func decodeHidePaths(_ node: YAMLNode, _ path: String) -> [String] {
        guard let items = node.items else {
            context.expected("a list of absolute paths", node, path)
            return []
        }
        var paths: [String] = []
        for (offset, item) in items.enumerated() {
            let itemPath = DecodeContext.index(path, offset)
            guard let text = context.string(item, itemPath, what: "an absolute path") else { continue }
            context.record(itemPath, at: item.location)
            let components = text.split(separator: "/")
            if !text.hasPrefix("/") {
                context.error("expected an absolute path, found \"\(text)\"", at: item.location, path: itemPath)
            } else if components.isEmpty {
                context.error("cannot hide /, the whole root; name the directories or files to hide", at: item.location, path: itemPath)
            } else if components.contains("..") || components.contains(".") {
                context.error("expected a path without . or .. components, found \"\(text)\"", at: item.location, path: itemPath)
            } else {
                let normalized = "/" + components.joined(separator: "/")
                if !paths.contains(normalized) { paths.append(normalized) }
            }
        }
        return paths
    }

    private func decodeProbes(_ node: YAMLNode, _ path: String) -> ProbeSet {
        var set = ProbeSet()
        for (key, value, keyPath, _) in context.entries(node, path, catalog: ComposeKeys.probes) ?? [] {
            let probe = decodeProbe(value, keyPath)
            switch key {
            case "startup": set.startup = probe
            case "liveness": set.liveness = probe
            case "readiness": set.readiness = probe
            default: break
            }
        }
        return set
    }

    private func decodeProbe(_ node: YAMLNode, _ path: String) -> Probe? {
        guard let entries = context.entries(node, path, catalog: ComposeKeys.probe) else { return nil }
        var actions: [(Probe.Action, SourceLocation)] = []
        var probe = Probe(action: .tcpSocket(port: nil))
        for (key, value, keyPath, keyLocation) in entries {
            switch key {
            case "http_get":
                var probePath = "/"
                var port: Int?
                var headers: [String: String] = [:]
                for (key, value, keyPath, _) in context.entries(value, keyPath, catalog: ComposeKeys.httpGet) ?? [] {
                    switch key {
                    case "path":
                        if let text = context.string(value, keyPath) {
                            if text.hasPrefix("/") {
                                probePath = text
                            } else {
                                context.error("expected a path starting with /, found \"\(text)\"", at: value.location, path: keyPath)
                            }
                        }
                    case "port": port = context.int(value, keyPath, range: 1...65535)
                    case "headers":
                        for (name, headerValue, _, _) in context.listOrDict(value, keyPath, separator: ":") ?? [] {
                            headers[name] = headerValue?.trimmingCharacters(in: .whitespaces) ?? ""
                        }
                    default: break
                    }
                }
                actions.append((.httpGet(path: probePath, port: port, headers: headers), keyLocation))
            case "tcp_socket":
                var port: Int?
                for (key, value, keyPath, _) in context.entries(value, keyPath, catalog: ComposeKeys.tcpSocket, allowNull: true) ?? []
                where key == "port" {
                    port = context.int(value, keyPath, range: 1...65535)
                }
                actions.append((.tcpSocket(port: port), keyLocation))
            case "exec":
                var command: [String]?
                for (key, value, keyPath, _) in context.entries(value, keyPath, catalog: ComposeKeys.execAction) ?? []
                where key == "command" {
                    command = context.command(value, keyPath)
                }
                if let command, !command.isEmpty {
                    actions.append((.exec(command), keyLocation))
                } else {
                    context.error("an exec probe needs a non-empty `command`", at: value.location, path: keyPath)
                }
            case "initial_delay":
                probe.initialDelay = context.duration(value, keyPath, bareSeconds: true) ?? probe.initialDelay
            case "period":
                probe.period = positive(value, keyPath) ?? probe.period
            case "timeout":
                probe.timeout = positive(value, keyPath) ?? probe.timeout
            case "success_threshold":
                probe.successThreshold = context.int(value, keyPath, range: 1...Int.max) ?? probe.successThreshold
            case "failure_threshold":
                probe.failureThreshold = context.int(value, keyPath, range: 1...Int.max) ?? probe.failureThreshold
            default:
                break
            }
        }
        guard let first = actions.first else {
            context.error("a probe needs one of `http_get`, `tcp_socket` or `exec`", at: node.location, path: path)
            return nil
        }
        if actions.count > 1 {
            context.error(
                "a probe takes exactly one of `http_get`, `tcp_socket` or `exec`", at: actions[1].1, path: path)
        }
        probe.action = first.0
        return probe
    }

    private func positive(_ node: YAMLNode, _ path: String) -> Duration? {
        guard let duration = context.duration(node, path, bareSeconds: true) else { return nil }
        guard duration > .zero else {
            context.error("expected a duration greater than zero", at: node.location, path: path)
            return nil
        }
        return duration
    }

    private func decodeRollout(_ node: YAMLNode, _ path: String) -> RolloutSettings {
        var rollout = RolloutSettings()
        var surgeLocation = node.location
        for (key, value, keyPath, _) in context.entries(node, path, catalog: ComposeKeys.rollout) ?? [] {
            switch key {
            case "max_surge":
                rollout.maxSurge = context.intOrPercent(value, keyPath) ?? rollout.maxSurge
                surgeLocation = value.location
            case "max_unavailable": rollout.maxUnavailable = context.intOrPercent(value, keyPath) ?? rollout.maxUnavailable
            case "min_ready": rollout.minReady = context.duration(value, keyPath, bareSeconds: true) ?? rollout.minReady
            case "progress_deadline":
                rollout.progressDeadline = positive(value, keyPath) ?? rollout.progressDeadline
            case "auto_rollback": rollout.autoRollback = context.bool(value, keyPath) ?? rollout.autoRollback
            case "revision_history": rollout.revisionHistory = context.int(value, keyPath) ?? rollout.revisionHistory
            case "drain_timeout": rollout.drainTimeout = context.duration(value, keyPath, bareSeconds: true) ?? rollout.drainTimeout
            default: break
            }
        }
        let zero: Set<IntOrPercent> = [.count(0), .percent(0)]
        if zero.contains(rollout.maxSurge) && zero.contains(rollout.maxUnavailable) {
            context.error(
                "max_surge and max_unavailable cannot both be 0: the rollout could never make progress",
                at: surgeLocation, path: DecodeContext.join(path, "max_surge"))
        }
        return rollout
    }

    private func decodeAutoscale(_ node: YAMLNode, _ path: String) -> AutoscaleSettings? {
        guard let entries = context.entries(node, path, catalog: ComposeKeys.autoscale) else { return nil }
        var settings = AutoscaleSettings(min: 1, max: 1)
        var sawMax = false
        var maxLocation = node.location
        for (key, value, keyPath, _) in entries {
            switch key {
            case "min": settings.min = context.int(value, keyPath, range: 1...Int.max) ?? settings.min
            case "max":
                settings.max = context.int(value, keyPath, range: 1...Int.max) ?? settings.max
                sawMax = true
                maxLocation = value.location
            case "cpu": settings.cpuPercent = percent(value, keyPath)
            case "memory": settings.memoryPercent = percent(value, keyPath)
            case "requests_per_second":
                if let rate = context.double(value, keyPath), rate > 0 {
                    settings.requestsPerSecond = rate
                } else if value.scalar != nil {
                    context.error("expected a rate greater than zero", at: value.location, path: keyPath)
                }
            case "behavior":
                for (direction, rules, rulesPath, _) in context.entries(value, keyPath, catalog: ComposeKeys.autoscaleBehavior) ?? [] {
                    for (_, window, windowPath, _) in context.entries(rules, rulesPath, catalog: ComposeKeys.scalingRules) ?? [] {
                        guard let duration = context.duration(window, windowPath, bareSeconds: true) else { continue }
                        if direction == "scale_up" {
                            settings.scaleUpStabilization = duration
                        } else {
                            settings.scaleDownStabilization = duration
                        }
                    }
                }
            default: break
            }
        }
        if !sawMax {
            context.error("autoscale needs `max`", at: node.location, path: path)
        } else if settings.min > settings.max {
            context.error(
                "min (\(settings.min)) is greater than max (\(settings.max))", at: maxLocation,
                path: DecodeContext.join(path, "max"))
        }
        if settings.cpuPercent == nil && settings.memoryPercent == nil && settings.requestsPerSecond == nil {
            context.error("autoscale needs a target: `cpu`, `memory` or `requests_per_second`", at: node.location, path: path)
        }
        return settings
    }

    private func percent(_ node: YAMLNode, _ path: String) -> Int? {
        guard let text = context.string(node, path) else { return nil }
        let digits = text.hasSuffix("%") ? String(text.dropLast()) : text
        guard let value = Int(digits), (1...100).contains(value) else {
            context.error("expected a percentage from 1 to 100, found \"\(text)\"", at: node.location, path: path)
            return nil
        }
        return value
    }

    private func decodeBudget(_ node: YAMLNode, _ path: String) -> DisruptionBudget? {
        guard let entries = context.entries(node, path, catalog: ComposeKeys.disruptionBudget) else { return nil }
        var budgets: [DisruptionBudget] = []
        for (key, value, keyPath, _) in entries {
            guard let amount = context.intOrPercent(value, keyPath) else { continue }
            budgets.append(key == "min_available" ? .minAvailable(amount) : .maxUnavailable(amount))
        }
        guard entries.count == 1 else {
            context.error("a disruption budget takes exactly one of `min_available` or `max_unavailable`", at: node.location, path: path)
            return nil
        }
        return budgets.first
    }
}
