import AICoreAddresses

/// Checks across services and networks: every network a service names exists, `service:NAME`
/// names another service of the stack, subnets do not overlap, and static addresses fit their
/// network and are not taken twice. Clashes with other stacks and the host are the agent's.
extension StackValidator {
    func checkNetworks(_ service: Service, path: String, stack: Stack) {
        if case .service(let target)? = service.networkMode {
            let modePath = "\(path).network_mode"
            if target == service.name {
                context.add(.error("a service cannot join its own network namespace", at: context.locate(modePath), path: modePath))
            } else if stack.service(named: target) == nil {
                let catalog = KeyCatalog("services", supported: stack.services.map(\.name))
                let hint = catalog.suggestion(for: target).map { "; did you mean `\($0)`?" } ?? ""
                let why = definedServices.contains(target) ? "is not enabled by the active profiles" : "is not a service of this stack"
                context.add(
                    .error("`network_mode: service:\(target)`: `\(target)` \(why)\(hint)", at: context.locate(modePath), path: modePath))
            }
        }
        for network in service.networks where stack.network(forKey: network.name) == nil {
            context.add(
                .error(
                    "refers to undefined network `\(network.name)`; declare it under the top-level `networks:`",
                    at: context.locate("\(path).networks.\(network.name)"), path: "\(path).networks"))
        }
    }

    /// Two networks of the stack (or two pools of one) with overlapping subnets.
    func checkSubnetOverlaps(_ stack: Stack) {
        var seen: [(subnet: IPv4Network, network: String)] = []
        for network in stack.networks {
            for (offset, pool) in (network.ipam?.config ?? []).enumerated() {
                let subnetPath = "networks.\(network.key).ipam.config[\(offset)].subnet"
                if let clash = seen.first(where: { $0.subnet.overlaps(pool.subnet) }) {
                    let owner = clash.network == network.key ? "another subnet of this network" : "network `\(clash.network)`"
                    context.add(
                        .error(
                            "subnet \(pool.subnet) overlaps \(clash.subnet) of \(owner); give each network a subnet of its own",
                            at: context.locate(subnetPath), path: subnetPath))
                } else {
                    seen.append((pool.subnet, network.key))
                }
            }
        }
    }

    /// `ipv4_address` and `ipv6_address`: on a network that can have them, inside a subnet, not
    /// its network, broadcast or gateway address, on a single instance, and taken once.
    func checkStaticAddresses(_ stack: Stack) {
        var taken: [String: [IPv4Address: String]] = [:]
        var taken6: [String: [IPv6Address: String]] = [:]
        for service in stack.services {
            checkStaticMACs(service)
            for endpoint in service.networks {
                let endpointPath = "services.\(service.name).networks.\(endpoint.name)"
                guard let network = stack.network(forKey: endpoint.name), !network.external else { continue }
                if endpoint.ipv6Address != nil, !network.enableIPv6 {
                    let addressPath = "\(endpointPath).ipv6_address"
                    context.add(
                        .error(
                            "network `\(endpoint.name)` has no IPv6: set `enable_ipv6: true` and an IPv6 subnet in its `ipam.config`",
                            at: context.locate(addressPath), path: addressPath))
                } else if let address = endpoint.ipv6AddressValue {
                    let addressPath = "\(endpointPath).ipv6_address"
                    if let problem = problem(with: address, on: network, service: service) {
                        context.add(.error(problem, at: context.locate(addressPath), path: addressPath))
                    } else if let holder = taken6[endpoint.name]?[address] {
                        context.add(
                            .error(
                                "\(address) is already the address of service `\(holder)` on network `\(endpoint.name)`",
                                at: context.locate(addressPath), path: addressPath))
                    } else {
                        taken6[endpoint.name, default: [:]][address] = service.name
                    }
                }
                guard let address = endpoint.ipv4Address else { continue }
                let addressPath = "\(endpointPath).ipv4_address"
                guard let problem = problem(with: address, on: network, service: service) else {
                    if let holder = taken[endpoint.name]?[address] {
                        context.add(
                            .error(
                                "\(address) is already the address of service `\(holder)` on network `\(endpoint.name)`",
                                at: context.locate(addressPath), path: addressPath))
                    } else {
                        taken[endpoint.name, default: [:]][address] = service.name
                    }
                    continue
                }
                context.add(.error(problem, at: context.locate(addressPath), path: addressPath))
            }
        }
    }

    /// A MAC is one interface's: on a service that runs several replicas, they would all have it.
    private func checkStaticMACs(_ service: Service) {
        let count = max(service.deploy.replicas, service.aicore.autoscale?.max ?? 0)
        guard count > 1 else { return }
        let paths = (service.macAddress != nil ? ["services.\(service.name).mac_address"] : [])
            + service.networks.filter { $0.macAddress != nil }.map { "services.\(service.name).networks.\($0.name).mac_address" }
        for path in paths {
            context.add(
                .error(
                    "a static MAC address fits one instance, but the service runs up to \(count) replicas; remove mac_address or run one replica",
                    at: context.locate(path), path: path))
        }
    }

    private func problem(with address: IPv6Address, on network: NetworkDefinition, service: Service) -> String? {
        guard let pool = network.ipam?.ipv6Config.first, let subnet = pool.subnetValue else {
            return "a static ipv6_address needs an IPv6 subnet configured for network `\(network.key)` (Compose: user specified IP address is supported only when connecting to networks with user configured subnets); add `ipam: {config: [{subnet: fd00:…::/64}]}` to it"
        }
        guard subnet.contains(address) else { return "\(address) is outside the IPv6 subnet of network `\(network.key)` (\(subnet))" }
        if address == subnet.first { return "\(address) is the subnet-router address of \(subnet); pick a host address" }
        if address == pool.effectiveGateway { return "\(address) is the gateway address of \(subnet); pick another" }
        let count = max(service.deploy.replicas, service.aicore.autoscale?.max ?? 0)
        if count > 1 {
            return "a static address fits one instance, but the service runs up to \(count) replicas; remove ipv6_address or run one replica"
        }
        return nil
    }

    private func problem(with address: IPv4Address, on network: NetworkDefinition, service: Service) -> String? {
        let pools = network.ipam?.config ?? []
        guard !pools.isEmpty else {
            return "a static ipv4_address needs a subnet configured for network `\(network.key)` (Compose: user specified IP address is supported only when connecting to networks with user configured subnets); add `ipam: {config: [{subnet: …}]}` to it"
        }
        guard let pool = pools.first(where: { $0.subnet.contains(address) }) else {
            let subnets = pools.map(\.subnet.description).joined(separator: ", ")
            return "\(address) is outside the subnet of network `\(network.key)` (\(subnets))"
        }
        if address == pool.subnet.first { return "\(address) is the network address of \(pool.subnet); pick a host address" }
        if address == pool.subnet.last { return "\(address) is the broadcast address of \(pool.subnet); pick a host address" }
        if address == pool.effectiveGateway { return "\(address) is the gateway address of \(pool.subnet); pick another" }
        // `ip_range` bounds the addresses handed out, not the static ones (as Docker): a static
        // address is often kept outside it on purpose.
        let autoscaleMax = service.aicore.autoscale?.max ?? 0
        if service.deploy.replicas > 1 || autoscaleMax > 1 {
            let count = max(service.deploy.replicas, autoscaleMax)
            return "a static address fits one instance, but the service runs up to \(count) replicas; remove ipv4_address or run one replica"
        }
        return nil
    }
}
