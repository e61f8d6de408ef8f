/// `logging: {driver, options}`. `json-file`, `local`, `journald` and `none` are applied; a
/// Docker driver that needs something this node does not run (`syslog`, `fluentd`, …) is an
/// unsupported key: a warning from `config validate`, an error under `--strict` and when the
/// stack starts, as every other key whose absence would change where things go. A driver name
/// Docker does not have is an error (a typo), as are a bad `max-size`, `max-file` or `tag`.
/// An option the driver does not apply is a warning: the stack runs as it would without it.
extension ServiceDecoder {
    static let loggingKeys = KeyCatalog("logging", supported: ["driver", "options"])

    /// The settings, or nil when the stack leaves logging to the node (or names an
    /// unavailable driver, kept in `unimplemented` so that it prints as written).
    func decodeLogging(_ node: YAMLNode, _ path: String, into service: inout Service) -> LoggingSettings? {
        guard let entries = context.entries(node, path, catalog: Self.loggingKeys, allowNull: true) else { return nil }
        var settings = LoggingSettings()
        var optionsNode: (node: YAMLNode, path: String)?
        for (key, value, keyPath, _) in entries {
            switch key {
            case "driver":
                guard let name = context.string(value, keyPath) else { return nil }
                if let driver = LoggingSettings.Driver(rawValue: name) {
                    settings.driver = driver
                } else if LoggingSettings.unavailableDrivers.contains(name) {
                    context.warning(
                        .unsupported,
                        "logging driver `\(name)` is not available on this node: it needs a \(name) service aicore-node does not run; use json-file, local, journald or none",
                        at: value.location, path: keyPath)
                    service.unimplemented["logging"] = ConfigValue(node)
                    return nil
                } else {
                    var message = "unknown logging driver \"\(name)\"; expected json-file, local, journald or none"
                    if let suggestion = KeyCatalog("driver", supported: LoggingSettings.Driver.allCases.map(\.rawValue)).suggestion(for: name) {
                        message += "; did you mean `\(suggestion)`?"
                    }
                    context.error(message, at: value.location, path: keyPath)
                    return nil
                }
            case "options":
                optionsNode = (value, keyPath)
            default:
                break
            }
        }
        guard let optionsNode, !optionsNode.node.isNull else { return settings }
        guard let options = optionsNode.node.entries else {
            context.expected("a mapping of option names to strings", optionsNode.node, optionsNode.path)
            return nil
        }
        let driverName = settings.driver?.rawValue ?? "the node's default"
        for entry in options {
            let keyPath = DecodeContext.join(optionsNode.path, entry.key)
            context.record(keyPath, at: entry.keyLocation)
            let value = entry.value
            // Checked whatever the driver, so a mistake shows before someone changes drivers.
            switch entry.key {
            case "max-size":
                guard let text = context.string(value, keyPath) else { continue }
                guard let size = LogSize(parsing: text, decimal: settings.driver == .jsonFile || settings.driver == nil) else {
                    context.error("expected a size like 10m, 1g or 100k (at least one byte), found \"\(text)\"", at: value.location, path: keyPath)
                    continue
                }
                settings.maxSize = size
            case "max-file":
                guard let text = context.string(value, keyPath) else { continue }
                guard let count = Int(text.trimmingCharacters(in: .whitespaces)), count >= 1 else {
                    context.error("expected an integer of at least 1, found \"\(text)\"", at: value.location, path: keyPath)
                    continue
                }
                settings.maxFile = count
            case "tag":
                guard let text = context.string(value, keyPath) else { continue }
                switch LogTag.parse(text) {
                case let .success(tag): settings.tag = tag
                case let .failure(failure):
                    context.error(failure.message, at: value.location, path: keyPath)
                    continue
                }
            default:
                context.warning(
                    .ignored, "logging option `\(entry.key)` is not applied by the \(driverName) driver of aicore-node and is ignored",
                    at: entry.keyLocation, path: keyPath)
                continue
            }
            if !LoggingSettings.applies(entry.key, to: settings.driver) {
                context.warning(
                    .ignored, "logging option `\(entry.key)` has no effect with the \(driverName) driver and is ignored",
                    at: entry.keyLocation, path: keyPath)
                switch entry.key {
                case "max-size": settings.maxSize = nil
                case "max-file": settings.maxFile = nil
                default: settings.tag = nil
                }
            }
        }
        return settings
    }
}

extension LoggingSettings {
    /// The agent's default, `logging: {driver, options}` at the top of its config file (`text`,
    /// read as `file`), by the rules of a service's `logging`; nil when the file has none. Every
    /// finding is refused, warnings too: a node-wide default that does not do what it says
    /// (`syslog`, an option the driver ignores) must stop the agent, not every stack later.
    public static func agentDefault(fromConfig text: String, file: String) -> Result<LoggingSettings?, StackLoadError> {
        let node: YAMLNode
        switch YAMLReader.parse(text, file: file) {
        case let .success(parsed): node = parsed
        case let .failure(diagnostic): return .failure(StackLoadError(diagnostics: [diagnostic]))
        }
        guard let logging = node["logging"] else { return .success(nil) }
        let context = DecodeContext()
        let decoder = ServiceDecoder(context: context, baseDirectory: "/", variables: [:], hostPathExists: { _ in true },
                                     hostSymlink: { _ in nil })
        var scratch = Service(name: "default")
        let settings = decoder.decodeLogging(logging, "logging", into: &scratch)
        guard context.diagnostics.isEmpty else {
            return .failure(StackLoadError(diagnostics: context.diagnostics.map { $0.promotedToError() }))
        }
        return .success(settings)
    }
}
