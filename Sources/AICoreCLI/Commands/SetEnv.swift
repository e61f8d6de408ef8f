import AICoreServer
import ArgumentParser

extension SetCommand {
    /// `aicore-node set env SERVICE KEY=VALUE… KEY-…`.
    struct Env: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "env",
            abstract: "Set or remove environment variables of a service, and roll the change out.",
            discussion: """
                KEY=VALUE sets a variable (VALUE may be empty or contain `=`); KEY- removes one. \
                Variables not named stay as they are.

                  aicore-node set env api LOG_LEVEL=debug CACHE_URL=redis://cache:6379/1
                  aicore-node set env api -p shop FEATURE_X-
                """
        )

        @OptionGroup var target: ServiceTarget

        @Argument(help: ArgumentHelp("KEY=VALUE to set a variable, KEY- to remove it; one or more.", valueName: "KEY=VALUE|KEY-"))
        var changes: [String] = []

        func validate() throws {
            _ = try Self.environment(changes)
        }

        func run() async throws {
            let environment = try Self.environment(changes)
            try await target.update(ServiceUpdateRequest(environment: environment), done: "environment updated")
        }

        /// The variables to set (a value) and remove (nil); invalid arguments are a `ValidationError`.
        static func environment(_ arguments: [String]) throws -> [String: String?] {
            guard !arguments.isEmpty else { throw ValidationError("give at least one KEY=VALUE or KEY-, e.g. LOG_LEVEL=debug") }
            var result: [String: String?] = [:]
            for argument in arguments {
                let key: String
                let value: String?
                if let equals = argument.firstIndex(of: "=") {
                    key = String(argument[..<equals])
                    value = String(argument[argument.index(after: equals)...])
                } else if argument.hasSuffix("-") {
                    key = String(argument.dropLast())
                    value = nil
                } else {
                    throw ValidationError("\(argument): expected KEY=VALUE to set a variable or KEY- to remove it")
                }
                guard !key.isEmpty else { throw ValidationError("\(argument): the variable name is missing") }
                guard !key.contains("\0"), !key.contains(where: \.isWhitespace) else {
                    throw ValidationError("\(argument): a variable name cannot contain white space or NUL")
                }
                if let earlier = result[key], earlier != value {
                    throw ValidationError("\(argument): \(key) is already \(earlier == nil ? "removed" : "set") by an earlier argument")
                }
                result[key] = .some(value)
            }
            return result
        }
    }
}
