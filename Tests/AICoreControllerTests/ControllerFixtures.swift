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

    static func planner(layout: SupervisorLayout = layout,
                        users: [String: (UInt32, UInt32)] = ["postgres": (105, 110)]) -> ReconcilePlanner {
        ReconcilePlanner(layout: layout) { user in
            guard let user else { return (0, 0) }
            guard let owner = users[user] else { throw FixtureError.unknownUser(user) }
            return owner
        }
    }

    enum FixtureError: Error { case unknownUser(String) }

    static func temporaryDirectory(_ prefix: String) throws -> String {
        let path = "/tmp/aicore-ctl-\(prefix)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// Bounded poll for a condition (no timed assertions): true once it holds.
/// The bound is generous on purpose: in a full run, synchronous kernel tests hold Swift Testing's
/// two cooperative threads for seconds at a time, and this poll waits its turn behind them.
func eventually(_ limit: Duration = .seconds(60), _ condition: () async -> Bool) async -> Bool {
    let end = ContinuousClock.now + limit
    while ContinuousClock.now < end {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return await condition()
}
