/// Decodes a merged, interpolated stack tree into a `Stack`.
struct StackDecoder {
    let context: DecodeContext
    let baseDirectory: String
    let variables: [String: String]
    /// Whether a path exists on this host (`StackLoadOptions.hostPathExists`).
    let hostPathExists: @Sendable (String) -> Bool
    /// The first symbolic link in a path on this host (`StackLoadOptions.hostSymlink`).
    let hostSymlink: @Sendable (String) -> HostSymlink?
    /// The name to use when the file has no `name:` (from `-p` or the directory).
    let fallbackName: String
    /// `-p` wins over `name:`, as in Compose.
    let overrideName: String?

    func decode(_ root: YAMLNode) -> Stack? {
        guard let entries = context.entries(root, "", catalog: ComposeKeys.topLevel) else { return nil }
        var stack = Stack(name: overrideName ?? fallbackName)
        if overrideName == nil, let nameNode = root["name"], let name = context.string(nameNode, "name") {
            if StackName.isValid(name) {
                stack.name = name
            } else {
                context.error(
                    "expected a project name of lowercase letters, digits, '-' and '_', starting with a letter or digit, found \"\(name)\"",
                    at: nameNode.location, path: "name")
            }
        }
        var sawServices = false
        for (key, value, keyPath, _) in entries {
            switch key {
            case "services":
                sawServices = true
                stack.services = decodeServices(value, keyPath)
            case "volumes":
                stack.volumes = decodeDefinitions(value, keyPath, catalog: ComposeKeys.topLevelVolume) { key, node, path, _ in
                    decodeVolume(key, node, path, stackName: stack.name)
                }
            case "networks":
                stack.networks = decodeDefinitions(value, keyPath, catalog: ComposeKeys.topLevelNetwork) { key, node, path, _ in
                    decodeNetwork(key, node, path, stackName: stack.name)
                }
            case "secrets":
                stack.secrets = decodeDefinitions(value, keyPath, catalog: ComposeKeys.secret) { key, node, path, location in
                    decodeFileObject(key, node, path, keyLocation: location, stackName: stack.name, allowContent: false)
                }
            case "configs":
                stack.configs = decodeDefinitions(value, keyPath, catalog: ComposeKeys.config) { key, node, path, location in
                    decodeFileObject(key, node, path, keyLocation: location, stackName: stack.name, allowContent: true)
                }
            default:
                if key.hasPrefix("x-") { stack.extensions[key] = ConfigValue(value) }
            }
        }
        if !sawServices {
            context.error("a stack needs a `services` mapping", at: root.location, path: "")
        }
        return stack
    }

    private func decodeServices(_ node: YAMLNode, _ path: String) -> [Service] {
        guard let entries = node.entries else {
            context.expected("a mapping of service names", node, path)
            return []
        }
        let decoder = ServiceDecoder(
            context: context, baseDirectory: baseDirectory, variables: variables, hostPathExists: hostPathExists,
            hostSymlink: hostSymlink)
        var services: [Service] = []
        for entry in entries {
            let servicePath = DecodeContext.join(path, entry.key)
            guard StackName.isValidServiceName(entry.key) else {
                context.error(
                    "invalid service name \"\(entry.key)\": use letters, digits, '-', '_' and '.', starting with a letter or digit",
                    at: entry.keyLocation, path: servicePath)
                continue
            }
            if entry.value.isNull {
                context.error("service `\(entry.key)` is empty; it needs at least a `command`", at: entry.keyLocation, path: servicePath)
                continue
            }
            if let service = decoder.decode(name: entry.key, node: entry.value, path: servicePath) {
                services.append(service)
            }
        }
        return services.sorted { $0.name < $1.name }
    }

    private func decodeDefinitions<T>(
        _ node: YAMLNode, _ path: String, catalog: KeyCatalog,
        _ decodeOne: (String, [(key: String, value: YAMLNode, path: String, keyLocation: SourceLocation)], String, SourceLocation) -> T?
    ) -> [T] {
        if node.isNull { return [] }
        guard let entries = node.entries else {
            context.expected("a mapping of names", node, path)
            return []
        }
        var result: [T] = []
        for entry in entries {
            let entryPath = DecodeContext.join(path, entry.key)
            guard let fields = context.entries(entry.value, entryPath, catalog: catalog, allowNull: true) else { continue }
            if let decoded = decodeOne(entry.key, fields, entryPath, entry.keyLocation) { result.append(decoded) }
        }
        return result
    }

    private typealias Fields = [(key: String, value: YAMLNode, path: String, keyLocation: SourceLocation)]

    /// `external: true` or the legacy `external: {name: x}`.
    func decodeExternal(_ value: YAMLNode, _ path: String, name: inout String) -> Bool {
        if let entries = value.entries {
            if let nameNode = entries.first(where: { $0.key == "name" })?.value,
                let text = context.string(nameNode, DecodeContext.join(path, "name"))
            {
                name = text
            }
            return true
        }
        return context.bool(value, path) ?? false
    }

    private func decodeVolume(_ key: String, _ fields: Fields, _ path: String, stackName: String) -> VolumeDefinition? {
        var definition = VolumeDefinition(key: key, name: "\(stackName)_\(key)")
        var explicitName: String?
        for (field, value, fieldPath, _) in fields {
            switch field {
            case "name": explicitName = context.string(value, fieldPath)
            case "external":
                var name = definition.name
                definition.external = decodeExternal(value, fieldPath, name: &name)
                if definition.external { definition.name = explicitName ?? key }
            case "labels":
                for (label, text, _, _) in context.listOrDict(value, fieldPath) ?? [] { definition.labels[label] = text ?? "" }
            case "driver":
                if let driver = context.string(value, fieldPath), driver != "local" {
                    context.warning(
                        .unsupported, "volume driver `\(driver)` is not supported; only `local` is", at: value.location,
                        path: fieldPath)
                }
            default: break
            }
        }
        if let explicitName { definition.name = explicitName }
        return definition
    }

    private func decodeFileObject(
        _ key: String, _ fields: Fields, _ path: String, keyLocation: SourceLocation, stackName: String,
        allowContent: Bool
    ) -> FileObjectDefinition? {
        var name = "\(stackName)_\(key)"
        var sources: [FileObjectDefinition.Source] = []
        // Refused already, with its own message (an external object, a secret's content).
        var refused = false
        for (field, value, fieldPath, _) in fields {
            switch field {
            case "name": name = context.string(value, fieldPath) ?? name
            case "file":
                if let file = context.string(value, fieldPath) {
                    let path = PathResolver.resolve(file, against: baseDirectory)
                    sources.append(.file(path))
                    // Read when an instance starts, so not an error here: it may be made later.
                    if !hostPathExists(path) {
                        let what = allowContent ? "config" : "secret"
                        context.warning(
                            .notice, "\(what) file \(path) does not exist: instances that use it fail to start until it does",
                            at: value.location, path: fieldPath)
                    }
                }
            case "environment":
                if let variable = context.string(value, fieldPath) { sources.append(.environment(variable)) }
            case "content" where !allowContent:
                context.error(
                    "a secret takes no `content` (configs do): put the value in a file (`file`) or a variable (`environment`)",
                    at: value.location, path: fieldPath)
                refused = true
            case "content":
                if let content = context.string(value, fieldPath) { sources.append(.content(content)) }
            case "external":
                var ignored = name
                if decodeExternal(value, fieldPath, name: &ignored) {
                    // Compose's external objects live in a Swarm's (or an orchestrator's) store;
                    // a single node has none to take them from.
                    let what = allowContent ? "config" : "secret"
                    context.error(
                        "an external \(what) is not supported on a single node: it would come from a cluster's \(what) store, and this node has none; use `file` or `environment` instead",
                        at: value.location, path: fieldPath)
                    refused = true
                }
            default: break
            }
        }
        if refused { return nil }
        let choices = allowContent ? "`file`, `environment` or `content`" : "`file` or `environment`"
        guard sources.count == 1, let source = sources.first else {
            let location = fields.first?.keyLocation ?? keyLocation
            context.add(
                .error(
                    sources.isEmpty ? "needs one of \(choices)" : "takes only one of \(choices)",
                    at: location, path: path))
            return nil
        }
        return FileObjectDefinition(key: key, name: name, source: source)
    }
}

/// Rules for project and service names.
public enum StackName {
    public static func isValid(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLowercase || first.isNumber else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    public static func isValidServiceName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first.isNumber else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    /// A directory name made into a valid project name, as Compose does.
    public static func sanitize(_ text: String) -> String {
        let kept = text.lowercased().filter { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }
        let trimmed = kept.drop(while: { $0 == "-" || $0 == "_" })
        return trimmed.isEmpty ? "default" : String(trimmed)
    }
}
