/// `/metrics` in the Prometheus text format: per instance cpu, memory, pids, restarts, health
/// and up; per service desired and ready replicas; per proxy route connections.
enum MetricsExposition {
    static func render(_ plane: ControlPlane) async throws -> String {
        var text = ""
        let instances = try await plane.instances(stats: true)
        func family(_ name: String, _ type: String, _ help: String) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func labels(_ pairs: [(String, String)]) -> String {
            "{" + pairs.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
        }
        func instanceLabels(_ instance: InstanceStatus) -> String {
            labels([("stack", instance.stack), ("service", instance.service), ("instance", instance.id)])
        }

        family("aicore_instance_up", "gauge", "1 when the instance's process runs.")
        for instance in instances {
            let up = instance.state.isUp ? 1 : 0
            text += "aicore_instance_up\(instanceLabels(instance)) \(up)\n"
        }
        family("aicore_instance_ready", "gauge", "1 when the instance is ready for traffic.")
        for instance in instances { text += "aicore_instance_ready\(instanceLabels(instance)) \(instance.ready ? 1 : 0)\n" }
        family("aicore_instance_healthy", "gauge", "1 healthy, 0 unhealthy or starting, absent without a healthcheck.")
        for instance in instances {
            guard let health = instance.health else { continue }
            text += "aicore_instance_healthy\(instanceLabels(instance)) \(health == "healthy" ? 1 : 0)\n"
        }
        family("aicore_instance_restarts_total", "counter", "Restarts by the restart policy.")
        for instance in instances { text += "aicore_instance_restarts_total\(instanceLabels(instance)) \(instance.restarts)\n" }
        family("aicore_instance_cpu_seconds_total", "counter", "CPU time used by the instance's cgroup.")
        for instance in instances {
            guard let stats = instance.stats else { continue }
            text += "aicore_instance_cpu_seconds_total\(instanceLabels(instance)) \(stats.cpuSeconds)\n"
        }
        family("aicore_instance_memory_bytes", "gauge", "Memory charged to the instance's cgroup.")
        for instance in instances {
            guard let stats = instance.stats else { continue }
            text += "aicore_instance_memory_bytes\(instanceLabels(instance)) \(stats.memoryBytes)\n"
        }
        family("aicore_instance_pids", "gauge", "Tasks in the instance's cgroup.")
        for instance in instances {
            guard let stats = instance.stats else { continue }
            text += "aicore_instance_pids\(instanceLabels(instance)) \(stats.pids)\n"
        }
        family("aicore_instance_oom_kills_total", "counter", "Processes of the instance killed by the OOM killer.")
        for instance in instances {
            guard let stats = instance.stats else { continue }
            text += "aicore_instance_oom_kills_total\(instanceLabels(instance)) \(stats.oomKills)\n"
        }

        var services: [ServiceStatus] = []
        for name in try await plane.stackNames() {
            if let status = try? await plane.status(of: name) { services += status.services }
        }
        family("aicore_service_desired_replicas", "gauge", "Replicas the service's spec asks for.")
        for service in services {
            text += "aicore_service_desired_replicas\(labels([("stack", service.stack), ("service", service.name)])) \(service.desired)\n"
        }
        family("aicore_service_ready_replicas", "gauge", "Replicas ready for traffic.")
        for service in services {
            text += "aicore_service_ready_replicas\(labels([("stack", service.stack), ("service", service.name)])) \(service.ready)\n"
        }
        family("aicore_proxy_route_backends", "gauge", "Ready backends behind a proxy route.")
        let routes = await ProxyRouteStatus.all(plane.routes)
        for route in routes {
            text += "aicore_proxy_route_backends\(labels([("route", route.route)])) \(route.backends.filter(\.inRotation).count)\n"
        }
        family("aicore_proxy_connections_total", "counter", "Client connections accepted by a proxy route.")
        for route in routes { text += "aicore_proxy_connections_total\(labels([("route", route.route)])) \(route.totalConnections)\n" }
        family("aicore_proxy_failed_connections_total", "counter", "Client connections closed without reaching a backend.")
        for route in routes { text += "aicore_proxy_failed_connections_total\(labels([("route", route.route)])) \(route.failedConnections)\n" }
        family("aicore_proxy_backend_active_connections", "gauge", "Connections open to a backend.")
        for route in routes {
            for backend in route.backends {
                text += "aicore_proxy_backend_active_connections\(labels([("route", route.route), ("instance", backend.instance)])) \(backend.activeConnections)\n"
            }
        }
        family("aicore_proxy_backend_connect_errors_total", "counter", "Failed connects to a backend (retried on another).")
        for route in routes {
            for backend in route.backends {
                text += "aicore_proxy_backend_connect_errors_total\(labels([("route", route.route), ("instance", backend.instance)])) \(backend.connectErrors)\n"
            }
        }
        family("aicore_proxy_bytes_total", "counter", "Bytes through a proxy route, by direction.")
        for route in routes {
            text += "aicore_proxy_bytes_total\(labels([("route", route.route), ("direction", "in")])) \(route.bytesIn)\n"
            text += "aicore_proxy_bytes_total\(labels([("route", route.route), ("direction", "out")])) \(route.bytesOut)\n"
        }
        return text
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
