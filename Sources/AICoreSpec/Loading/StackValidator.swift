/// Checks that need the whole stack: references between services, volumes and networks,
/// dependency cycles, port conflicts, and resource sanity.
struct StackValidator {
    let context: DecodeContext
    /// Every service the files define, including those whose profiles are off (the loader
    /// reports a dependency on those itself).
    let definedServices: Set<String>

    func validate(_ stack: Stack) {
        let names = definedServices
        for service in stack.services {
            let path = "services.\(service.name)"
            checkDependencies(service, path: path, names: names)
            checkVolumes(service, path: path, stack: stack)
            checkFileReferences(service, path: path, stack: stack)
            checkNetworks(service, path: path, stack: stack)
            checkResources(service, path: path)
            checkAutoscale(service, path: path)
        }
        checkCycles(stack)
        checkPortConflicts(stack)
        checkSubnetOverlaps(stack)
        checkStaticAddresses(stack)
    }

    private func locate(_ path: String) -> SourceLocation? {
        context.locate(path)
    }

    private func checkDependencies(_ service: Service, path: String, names: Set<String>) {
        for dependency in service.dependsOn {
            let depPath = "\(path).depends_on.\(dependency.service)"
            if dependency.service == service.name {
                context.add(.error("a service cannot depend on itself", at: locate(depPath), path: depPath))
            } else if !names.contains(dependency.service) && dependency.required {
                let catalog = KeyCatalog("services", supported: Array(names))
                let hint = catalog.suggestion(for: dependency.service).map { "; did you mean `\($0)`?" } ?? ""
                context.add(
                    .error("depends on undefined service `\(dependency.service)`\(hint)", at: locate(depPath), path: depPath))
            }
        }
    }

    private func checkVolumes(_ service: Service, path: String, stack: Stack) {
        for (offset, mount) in service.volumes.enumerated() where mount.kind == .volume {
            guard let source = mount.source else { continue }
            if !stack.volumes.contains(where: { $0.key == source }) {
                let mountPath = "\(path).volumes[\(offset)]"
                context.add(
                    .error(
                        "refers to undefined volume `\(source)`; declare it under the top-level `volumes:`",
                        at: locate(mountPath), path: mountPath))
            }
        }
    }

    private func checkResources(_ service: Service, path: String) {
        let limits = service.deploy.limits
        let reservations = service.deploy.reservations
        let reservationsPath = "\(path).deploy.resources.reservations"
        if let limit = limits.memory, let reserved = reservations.memory, reserved > limit {
            context.add(
                .error(
                    "the memory reservation (\(reserved)) is larger than the memory limit (\(limit))",
                    at: locate("\(reservationsPath).memory") ?? locate("\(path).mem_reservation"),
                    path: "\(reservationsPath).memory"))
        }
        if let limit = limits.cpus, let reserved = reservations.cpus, reserved > limit {
            context.add(
                .error(
                    "the cpu reservation (\(reserved.compactDescription)) is larger than the cpu limit (\(limit.compactDescription))",
                    at: locate("\(reservationsPath).cpus"), path: "\(reservationsPath).cpus"))
        }
    }

    private func checkAutoscale(_ service: Service, path: String) {
        guard let autoscale = service.aicore.autoscale else { return }
        let replicas = service.deploy.replicas
        if replicas < autoscale.min || replicas > autoscale.max {
            let autoscalePath = "\(path).x-aicore.autoscale"
            context.add(
                Diagnostic(
                    severity: .warning, kind: .notice, location: locate(autoscalePath), keyPath: autoscalePath,
                    message: "replicas (\(replicas)) is outside min..max (\(autoscale.min)..\(autoscale.max)); the autoscaler will move it into range"))
        }
    }

    /// Depth-first search over `depends_on`; reports each cycle once, naming every service in it.
    private func checkCycles(_ stack: Stack) {
        let edges = Dictionary(
            uniqueKeysWithValues: stack.services.map { service in
                (service.name, service.dependsOn.map(\.service).filter { $0 != service.name })
            })
        var state: [String: Int] = [:]  // 1 = on the stack, 2 = done
        var reported: Set<Set<String>> = []
        func visit(_ name: String, trail: [String]) {
            state[name] = 1
            for next in edges[name] ?? [] where edges[next] != nil {
                if state[next] == 1 {
                    guard let start = trail.firstIndex(of: next) else { continue }
                    let cycle = Array(trail[start...]) + [name]
                    let members = Set(cycle)
                    if reported.insert(members).inserted {
                        let text = (cycle + [next]).joined(separator: " -> ")
                        let path = "services.\(name).depends_on.\(next)"
                        context.add(.error("dependency cycle: \(text)", at: locate(path), path: path))
                    }
                } else if state[next] == nil {
                    visit(next, trail: trail + [name])
                }
            }
            state[name] = 2
        }
        for service in stack.services where state[service.name] == nil {
            visit(service.name, trail: [])
        }
    }

    private func checkPortConflicts(_ stack: Stack) {
        var seen: [(service: String, port: PortMapping, path: String)] = []
        for (port, path) in context.portOrigins {
            guard port.published != nil,
                let service = path.split(separator: ".").dropFirst().first.map(String.init),
                stack.service(named: service) != nil
            else { continue }
            if let clash = seen.first(where: { $0.port.sharesHostPort(with: port) }) {
                let address = port.hostIP.map { "\($0):" } ?? ""
                context.add(
                    .error(
                        "host port \(address)\(port.publishedText ?? "")/\(port.transport.rawValue) is already published by \(clash.service == service ? "this service" : "service `\(clash.service)`") (\(clash.path))",
                        at: locate(path), path: path))
            } else {
                seen.append((service, port, path))
            }
        }
    }
}
