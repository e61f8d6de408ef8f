extension StackPrinter {
    /// A service's `secrets` or `configs` item: the short syntax when it says everything. The
    /// definition's source is printed at the top level only, and never a value.
    static func fileReference(_ reference: FileReference) -> ConfigValue {
        if reference.isShort { return text(reference.source) }
        var fields: [(String, ConfigValue)] = [("source", text(reference.source))]
        if let target = reference.target { fields.append(("target", text(target))) }
        if let uid = reference.uid { fields.append(("uid", .string(String(uid)))) }
        if let gid = reference.gid { fields.append(("gid", .string(String(gid)))) }
        if let mode = reference.mode { fields.append(("mode", .string("0" + String(mode, radix: 8)))) }
        return .object(fields)
    }

    /// The stack with each secret's source replaced by its value (`config print
    /// --show-secrets`): `value` gives it (a file's content, a variable of the interpolation
    /// environment); nil leaves the source as it is. For showing only: the result is not a
    /// stack file that loads (a secret takes no `content`).
    public static func revealingSecrets(_ stack: Stack, value: (FileObjectDefinition) -> String?) -> Stack {
        var revealed = stack
        revealed.secrets = stack.secrets.map { definition in
            var copy = definition
            if let resolved = value(definition) { copy.source = .content(resolved) }
            return copy
        }
        return revealed
    }
}
