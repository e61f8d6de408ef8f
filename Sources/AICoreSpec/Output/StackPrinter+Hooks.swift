extension StackPrinter {
    /// `post_start` / `pre_stop` as the loader reads them back: the command as a list, so that
    /// no word is split again.
    static func hooks(_ hooks: [ServiceHook]) -> ConfigValue {
        .list(hooks.map { hook in
            var fields: [(String, ConfigValue)] = [("command", list(hook.command))]
            if let user = hook.user { fields.append(("user", text(user))) }
            if hook.privileged { fields.append(("privileged", .bool(true))) }
            if let workingDir = hook.workingDir { fields.append(("working_dir", text(workingDir))) }
            if !hook.environment.isEmpty { fields.append(("environment", stringMap(hook.environment))) }
            return .object(fields)
        })
    }
}
