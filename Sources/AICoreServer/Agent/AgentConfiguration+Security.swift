import Yams

extension AgentConfiguration {
    /// `security: {allow_privileged: true}`: lets stacks run `privileged: true` instances. Each
    /// such start is logged as a warning; without it they are refused, located, at `up`.
    static func parseSecurity(_ value: Node, into configuration: inout AgentConfiguration, path: String, at line: String) throws(AgentConfigurationError) {
        guard let settings = value.mapping else {
            throw AgentConfigurationError(path: path + line, message: "`security` expects a mapping with `allow_privileged`")
        }
        for (nameNode, setting) in settings {
            let name = nameNode.string ?? ""
            let at = nameNode.mark.map { ":\($0.line):\($0.column)" } ?? ""
            guard name == "allow_privileged" else {
                throw AgentConfigurationError(path: path + at, message: "unknown setting `security.\(name)`; known: allow_privileged")
            }
            guard let flag = setting.bool else {
                throw AgentConfigurationError(path: path + at, message: "`security.allow_privileged` expects true or false")
            }
            configuration.allowPrivileged = flag
        }
    }
}
