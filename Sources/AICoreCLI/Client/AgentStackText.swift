import AICoreSpec

/// The text of a stack as the CLI sends it to the agent: normalized, holding the services the
/// active profiles left, with no `profiles` of their own. The agent loads what it is sent with
/// no profile active (it has no `--profile` of its own), so a service that a profile brought in
/// would otherwise be left out there; the revisions it keeps, and reloads after a restart or for
/// a rollback, stay whole the same way.
enum AgentStackText {
    static func yaml(_ stack: Stack) -> String {
        var stack = stack
        for index in stack.services.indices { stack.services[index].profiles = [] }
        return StackPrinter.render(stack, format: .yaml)
    }
}
