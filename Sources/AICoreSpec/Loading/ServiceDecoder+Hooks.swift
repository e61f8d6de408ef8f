/// Compose's lifecycle hooks, `post_start` and `pre_stop`: a list of
/// `{command, user, privileged, working_dir, environment}`.
extension ServiceDecoder {
    /// `serviceUser`: the service's own `user:`, the only one a hook may name.
    func decodeHooks(_ node: YAMLNode, _ path: String, serviceUser: String?) -> [ServiceHook] {
        guard let items = node.items else {
            context.expected("a list of hooks ({command, user, working_dir, environment})", node, path)
            return []
        }
        return items.enumerated().compactMap { offset, item in
            decodeHook(item, DecodeContext.index(path, offset), serviceUser: serviceUser)
        }
    }

    private func decodeHook(_ node: YAMLNode, _ path: String, serviceUser: String?) -> ServiceHook? {
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
                // The instance's init makes a hook's process with the workload's identity, and
                // its exec channel carries none (nothing reaching the init can ask for more).
                guard user == serviceUser else {
                    context.error(
                        "a hook running as another user than the service's is not supported: hooks run as the workload's user (\(serviceUser.map { "`\($0)`" } ?? "the image's or root")); remove `user` here",
                        at: value.location, path: keyPath)
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
                // A hook never holds more than its workload, and no workload runs privileged here.
                if context.bool(value, keyPath) == true {
                    context.error(
                        "a privileged hook is not supported: aicore-node never runs privileged instances, and a hook runs with its instance's capabilities; remove `privileged` or use `cap_add` on the service",
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
