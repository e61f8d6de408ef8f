import AICoreController
import AICoreSpec
import AICoreSupervisor
import Foundation

/// Builders for stacks in tests: every service runs a command from the host.
enum Fixtures {
    static func service(_ name: String, replicas: Int = 1, dependsOn: [ServiceDependency] = [],
                        environment: [String: String] = [:], cpus: Double? = nil, memory: String? = nil,
                        volumes: [VolumeMount] = [], user: String? = nil, healthcheck: Healthcheck? = nil,
                        restart: RestartPolicy = RestartPolicy(condition: .no)) -> Service {
        var service = Service(name: name)
        service.command = ["/bin/sleep", "1000"]
        service.deploy.replicas = replicas
        service.dependsOn = dependsOn
        service.environment = environment
        service.deploy.reservations = ResourceSettings(cpus: cpus, memory: memory.flatMap { ByteSize(parsing: $0) })
        service.volumes = volumes
        service.user = user
        service.healthcheck = healthcheck
        service.restart = restart
        return service
    }

    static func stack(_ services: Service..., volumes: [String] = [], name: String = "demo") -> Stack {
        Stack(name: name, services: services.sorted { $0.name < $1.name },
              volumes: volumes.map { VolumeDefinition(key: $0, name: "\(name)_\($0)") })
    }

    static func node(cpus: Double = 8, memory: String = "16G") -> NodeCapacity {
        NodeCapacity(node: "local", cpus: cpus, memoryBytes: ByteSize(parsing: memory)?.bytes ?? 0)
    }

    static let layout = SupervisorLayout(root: "/var/lib/aicore-test")

    static func planner(layout: SupervisorLayout = layout) -> ReconcilePlanner {
        ReconcilePlanner(layout: layout)
    }

    /// The node's users of these tests: postgres is 105:110, any other name is unknown.
    static func lookUp(_ user: String, postgres: (uid: UInt32, gid: UInt32) = (105, 110)) throws -> (uid: UInt32, gid: UInt32) {
        guard user == "postgres" else { throw FixtureError.unknownUser(user) }
        return postgres
    }

    enum FixtureError: Error { case unknownUser(String) }

    static func temporaryDirectory(_ prefix: String) throws -> String {
        let path = "/tmp/aicore-ctl-\(prefix)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

