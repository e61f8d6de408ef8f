/// `docker compose -f prod.yml -p shop up -d`: Compose takes the project's options before the
/// verb, and that is how its users type them. They belong to each verb here, so the line is
/// read with them moved after the verb (`up -d -f prod.yml -p shop`), where they mean the same.
enum ComposeGlobalOptions {
    /// Options that take a value, as Compose spells them before a verb.
    static let withValue: Set<String> = ["-f", "--file", "-p", "--project-name", "--profile", "--env-file"]

    /// `arguments` with leading project options moved after the verb; unchanged when the line
    /// does not start with one (or has no verb after them).
    static func normalized(_ arguments: [String]) -> [String] {
        let arguments = createAsUp(arguments)
        var moved: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if withValue.contains(argument), index + 1 < arguments.count {
                // `--file`, not `-f`: after `logs`, `-f` is follow.
                moved += [argument == "-f" ? "--file" : argument, arguments[index + 1]]
                index += 2
            } else if let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init),
                      name.hasPrefix("--"), withValue.contains(name), argument.contains("=") {
                moved.append(argument)
                index += 1
            } else {
                break
            }
        }
        guard !moved.isEmpty, index < arguments.count, !arguments[index].hasPrefix("-") else { return arguments }
        // The verb, then the moved options; a verb with subcommands (`config print`) keeps them
        // after its subcommand, where its options are.
        var verb = [arguments[index]]
        if ["config", "volume", "image", "rollout", "set"].contains(arguments[index]), index + 1 < arguments.count,
           !arguments[index + 1].hasPrefix("-") {
            verb.append(arguments[index + 1])
        }
        return verb + moved + arguments[(index + verb.count)...]
    }

    /// `create …` is `up --no-start …`, as in Compose; its own help is up's.
    static func createAsUp(_ arguments: [String]) -> [String] {
        // The verb is the first word that is neither a project option nor its value.
        var index = 0
        while index < arguments.count, arguments[index].hasPrefix("-") {
            index += withValue.contains(arguments[index]) ? 2 : 1
        }
        guard index < arguments.count, arguments[index] == "create" else { return arguments }
        var rewritten = arguments
        rewritten.replaceSubrange(index...index, with: ["up", "--no-start"])
        return rewritten
    }
}
