/// Compose's lifecycle hooks, `post_start` and `pre_stop`: a list of
/// `{command, user, privileged, working_dir, environment}`.
extension ServiceDecoder {
    /// `servicePrivileged`: the service's own `privileged: true`, without which a hook may not be.
    func decodeHooks(_ node: YAMLNode, _ path: String, servicePrivileged: Bool) -> [ServiceHook] {
        guard let items = node.items else {
            context.expected("a list of hooks ({command, user, privileged, working_dir, environment})", node, path)
            return []
        }
        return items.enumerated().compactMap { offset, item in
            decodeHook(item, DecodeContext.index(path, offset), servicePrivileged: servicePrivileged)
        }
    }

    private func decodeHook(_ node: YAMLNode, _ path: String, servicePrivileged: Bool) -> ServiceHook? {
        guard let entries = context.entries(node, path, catalog: ComposeKeys.hook) else { return nil }
        var hook = ServiceHook(command: [])
        var command: [String]?
        var commandNode: YAMLNode?
        var valid = true
        for (key, value, keyPath, _) in entries {
            switch key {
            case "command":
                command = context.command(value, keyPath)
                commandNode = value
                if command == nil { valid = false }
            case "user":
                guard let user = context.string(value, keyPath, what: "a user name or uid[:gid]") else { continue }
                if user.isEmpty {
                    context.error("expected a user name or uid[:gid], found an empty string", at: value.location, path: keyPath)
                    continue
                }
                hook.user = user
            case "working_dir":
                guard let dir = context.string(value, keyPath) else { continue }
                if dir.hasPrefix("/") {
                    hook.workingDir = dir
                } else {
                    context.error("expected an absolute path, found \"\(dir)\"", at: value.location, path: keyPath)
                }
            case "environment":
                for (envKey, envValue, location, itemPath) in context.listOrDict(value, keyPath) ?? [] {
                    guard EnvFileParser.isValidKey(envKey) else {
                        context.error("invalid variable name \"\(envKey)\"", at: location, path: itemPath)
                        continue
                    }
                    // As the service's own: a key without a value takes the agent's environment.
                    if let resolved = envValue ?? variables[envKey] { hook.environment[envKey] = resolved }
                }
            case "privileged":
                // A hook never holds more than its instance: on a privileged service it already
                // has every capability; elsewhere the instance's bounding set would have to grow.
                guard context.bool(value, keyPath) == true else { continue }
                if servicePrivileged {
                    hook.privileged = true
                } else {
                    context.error(
                        "a privileged hook needs a privileged service: a hook never holds more than its instance, and this service is not `privileged: true`; remove `privileged` here, or use `cap_add` on the service",
                        at: value.location, path: keyPath)
                }
            default:
                break
            }
        }
        guard let command else {
            if valid { context.error("a hook needs a `command`", at: node.location, path: path) }
            return nil
        }
        guard !command.isEmpty else {
            context.error("expected a command, found an empty one", at: commandNode?.location ?? node.location,
                          path: DecodeContext.join(path, "command"))
            return nil
        }
        hook.command = command
        return hook
    }
}
