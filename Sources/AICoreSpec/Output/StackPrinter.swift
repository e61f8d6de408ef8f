import AICoreAddresses

/// Turns a normalized `Stack` back into Compose form, like `docker compose config`: long forms,
/// defaults spelled out, durations canonical, `$` escaped as `$$` so the output loads again
/// into the same model.
public enum StackPrinter {
    public enum Format: String, Sendable, CaseIterable {
        case yaml, json
    }

    public static func render(_ stack: Stack, format: Format) -> String {
        let value = configValue(stack)
        switch format {
        case .yaml: return ConfigValueWriter.yaml(value)
        case .json: return ConfigValueWriter.json(value) + "\n"
        }
    }

    public static func configValue(_ stack: Stack) -> ConfigValue {
        var root: [(String, ConfigValue)] = [("name", .string(stack.name))]
        root.append(("services", .object(stack.services.map { ($0.name, service($0)) })))
        if !stack.volumes.isEmpty {
            root.append(
                ("volumes", .object(stack.volumes.map { volume in
                    var fields: [(String, ConfigValue)] = [("name", text(volume.name))]
                    if volume.external { fields.append(("external", .bool(true))) }
                    if !volume.labels.isEmpty { fields.append(("labels", stringMap(volume.labels))) }
                    return (volume.key, .object(fields))
                })))
        }
        if !stack.networks.isEmpty {
            root.append(
                ("networks", .object(stack.networks.map { network in
                    var fields: [(String, ConfigValue)] = [("name", text(network.name))]
                    if let driver = network.driver { fields.append(("driver", text(driver))) }
                    if network.external { fields.append(("external", .bool(true))) }
                    if network.internal { fields.append(("internal", .bool(true))) }
                    if network.enableIPv6 { fields.append(("enable_ipv6", .bool(true))) }
                    if let ipam = network.ipam { fields.append(("ipam", self.ipam(ipam))) }
                    if !network.labels.isEmpty { fields.append(("labels", stringMap(network.labels))) }
                    return (network.key, .object(fields))
                })))
        }
        for (key, objects) in [("secrets", stack.secrets), ("configs", stack.configs)] where !objects.isEmpty {
            root.append((key, .object(objects.map { ($0.key, fileObject($0)) })))
        }
        root += extensions(stack.extensions)
        return .object(root)
    }

    /// `$` doubled so interpolation on reload gives back the same text.
    static func text(_ string: String) -> ConfigValue {
        .string(string.replacingOccurrences(of: "$", with: "$$"))
    }

    static func list(_ strings: [String]) -> ConfigValue {
        .list(strings.map(text))
    }

    static func stringMap(_ map: [String: String]) -> ConfigValue {
        .object(map.sorted { $0.key < $1.key }.map { ($0.key, text($0.value)) })
    }

    static func duration(_ value: Duration) -> ConfigValue {
        .string(DurationSyntax.format(value))
    }

    static func extensions(_ values: [String: ConfigValue]) -> [(String, ConfigValue)] {
        values.sorted { $0.key < $1.key }.map { ($0.key, escaped($0.value)) }
    }

    private static func escaped(_ value: ConfigValue) -> ConfigValue {
        switch value {
        case .string(let string): return text(string)
        case .list(let items): return .list(items.map(escaped))
        case .object(let pairs): return .object(pairs.map { ($0.0, escaped($0.1)) })
        default: return value
        }
    }

    private static func ipam(_ ipam: IPAMConfig) -> ConfigValue {
        var fields: [(String, ConfigValue)] = []
        if let driver = ipam.driver { fields.append(("driver", text(driver))) }
        var pools: [ConfigValue] = ipam.config.map { pool in
            var entry: [(String, ConfigValue)] = [("subnet", .string(pool.subnet.description))]
            if let gateway = pool.gateway { entry.append(("gateway", .string(gateway.description))) }
            if let range = pool.ipRange { entry.append(("ip_range", .string(range.description))) }
            return .object(entry)
        }
        pools += ipam.ipv6Config.map { pool in
            var entry: [(String, ConfigValue)] = [("subnet", text(pool.subnet))]
            if let gateway = pool.gateway { entry.append(("gateway", text(gateway))) }
            if let range = pool.ipRange { entry.append(("ip_range", text(range))) }
            return .object(entry)
        }
        if !pools.isEmpty { fields.append(("config", .list(pools))) }
        return .object(fields)
    }

    private static func fileObject(_ object: FileObjectDefinition) -> ConfigValue {
        var fields: [(String, ConfigValue)] = [("name", text(object.name))]
        switch object.source {
        case .file(let path): fields.append(("file", text(path)))
        case .environment(let variable): fields.append(("environment", text(variable)))
        case .content(let content): fields.append(("content", text(content)))
        }
        return .object(fields)
    }
}
