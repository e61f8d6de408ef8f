import AICoreController
import AICoreSpec
import Yams

/// `capacity: {cpus: 8, memory: 16g}`: what the scheduler hands out to `deploy.resources.
/// reservations` on this node in place of what the host has (Nomad's `cpu_total_compute` and
/// `memory_total_mb`). A Compose file written for a bigger machine (the seed reserves three CPUs
/// for its API alone) then runs on a small one, as Compose runs it; the limits still apply.
public struct CapacityOverride: Sendable, Equatable {
    public var cpus: Double?
    public var memoryBytes: UInt64?

    public init(cpus: Double? = nil, memoryBytes: UInt64? = nil) {
        self.cpus = cpus
        self.memoryBytes = memoryBytes
    }

    /// `measured` with what is declared put in its place. A declared figure is taken as it is:
    /// no system reserve comes off it (the administrator chose it).
    public func applied(to measured: NodeCapacity) -> NodeCapacity {
        NodeCapacity(node: measured.node, cpus: cpus ?? measured.cpus, memoryBytes: memoryBytes ?? measured.memoryBytes)
    }
}

extension AgentConfiguration {
    static func parseCapacity(_ value: Node, into configuration: inout AgentConfiguration, path: String, at line: String) throws(AgentConfigurationError) {
        guard let settings = value.mapping else {
            throw AgentConfigurationError(path: path + line, message: "`capacity` expects a mapping with `cpus` and `memory`")
        }
        for (nameNode, setting) in settings {
            let name = nameNode.string ?? ""
            let at = path + (nameNode.mark.map { ":\($0.line):\($0.column)" } ?? "")
            switch name {
            case "cpus":
                guard let text = setting.string, let cpus = Double(text), cpus.isFinite, cpus > 0 else {
                    throw AgentConfigurationError(path: at, message: "`capacity.cpus` expects a positive number of CPUs, such as 8 or 1.5"
                        + (setting.string.map { ", got `\($0)`" } ?? ""))
                }
                configuration.capacity.cpus = cpus
            case "memory":
                guard let text = setting.string, let size = ByteSize(parsing: text), size.bytes > 0 else {
                    throw AgentConfigurationError(path: at, message: "`capacity.memory` expects a size such as 16g or 512m"
                        + (setting.string.map { ", got `\($0)`" } ?? ""))
                }
                configuration.capacity.memoryBytes = size.bytes
            default:
                throw AgentConfigurationError(path: at, message: "unknown setting `capacity.\(name)`; known: cpus, memory")
            }
        }
    }
}
