import AICoreAddresses

/// Top-level `networks`: bridges of the stack, with the addresses the file asks for.
extension StackDecoder {
    func decodeNetwork(
        _ key: String, _ fields: [(key: String, value: YAMLNode, path: String, keyLocation: SourceLocation)], _ path: String,
        stackName: String
    ) -> NetworkDefinition? {
        var definition = NetworkDefinition(key: key, name: "\(stackName)_\(key)")
        var explicitName: String?
        var ipamNode: (node: YAMLNode, path: String)?
        for (field, value, fieldPath, _) in fields {
            switch field {
            case "name": explicitName = context.string(value, fieldPath)
            case "driver":
                guard let driver = context.string(value, fieldPath) else { continue }
                if driver == "bridge" {
                    definition.driver = driver
                } else {
                    context.error(
                        "expected `driver: bridge` (or no driver), found \"\(driver)\": only bridge networks exist on one node",
                        at: value.location, path: fieldPath)
                }
            case "external":
                var name = key
                definition.external = decodeExternal(value, fieldPath, name: &name)
                if definition.external { definition.name = name }
            case "internal": definition.internal = context.bool(value, fieldPath) ?? false
            case "enable_ipv6": definition.enableIPv6 = context.bool(value, fieldPath) ?? false
            case "labels":
                for (label, text, _, _) in context.listOrDict(value, fieldPath) ?? [] { definition.labels[label] = text ?? "" }
            case "ipam": ipamNode = (value, fieldPath)
            default: break
            }
        }
        if let explicitName { definition.name = explicitName }
        if definition.external {
            // An external network is made outside the stack: the file can only name it.
            for (field, _, fieldPath, keyLocation) in fields where !["name", "external"].contains(field) && !field.hasPrefix("x-") {
                context.error(
                    "an external network is created outside the stack: only `name` may be written beside `external`, not `\(field)`",
                    at: keyLocation, path: fieldPath)
            }
            return definition
        }
        if let ipamNode {
            definition.ipam = decodeIPAM(ipamNode.node, ipamNode.path, enableIPv6: definition.enableIPv6)
        }
        return definition
    }

    private func decodeIPAM(_ node: YAMLNode, _ path: String, enableIPv6: Bool) -> IPAMConfig? {
        guard let entries = context.entries(node, path, catalog: ComposeKeys.ipam) else { return nil }
        var ipam = IPAMConfig()
        for (key, value, keyPath, _) in entries {
            switch key {
            case "driver":
                guard let driver = context.string(value, keyPath) else { continue }
                if driver == "default" {
                    ipam.driver = driver
                } else {
                    context.error("expected `driver: default`, found \"\(driver)\": no other IPAM driver exists", at: value.location, path: keyPath)
                }
            case "config":
                guard let items = value.items else {
                    context.expected("a list of subnets", value, keyPath)
                    continue
                }
                for (offset, item) in items.enumerated() {
                    decodePool(item, DecodeContext.index(keyPath, offset), enableIPv6: enableIPv6, into: &ipam)
                }
            default: break
            }
        }
        return ipam
    }

    private func decodePool(_ node: YAMLNode, _ path: String, enableIPv6: Bool, into ipam: inout IPAMConfig) {
        guard let entries = context.entries(node, path, catalog: ComposeKeys.ipamPool) else { return }
        context.record(path, at: node.location)
        func field(_ name: String) -> (value: YAMLNode, path: String, text: String)? {
            guard let entry = entries.first(where: { $0.key == name }), let text = context.string(entry.value, entry.path) else {
                return nil
            }
            return (entry.value, entry.path, text)
        }
        guard let subnet = field("subnet") else {
            context.error("an ipam config entry needs a `subnet`, e.g. `subnet: 10.20.0.0/24`", at: node.location, path: path)
            return
        }
        if NetworkSyntax.isIPv6Network(subnet.text) {
            guard enableIPv6 else {
                context.error(
                    "an IPv6 subnet needs `enable_ipv6: true` on the network, found \"\(subnet.text)\"",
                    at: subnet.value.location, path: subnet.path)
                return
            }
            guard let network = IPv6Network(subnet.text), network.address == network.first, network.prefix <= 126 else {
                let detail = IPv6Network(subnet.text).map {
                    $0.prefix > 126 ? "subnet \($0) is too small: it needs room for a gateway and instances (a /64 is usual)"
                        : "expected the subnet's network address, \($0.normalized), found \"\(subnet.text)\""
                } ?? "expected an IPv6 subnet like fd00:1::/64, found \"\(subnet.text)\""
                context.error(detail, at: subnet.value.location, path: subnet.path)
                return
            }
            var pool = IPv6Pool(subnet: subnet.text)
            if let gateway = field("gateway") {
                if let address = IPv6Address(gateway.text) {
                    if !network.contains(address) {
                        context.error("gateway \(address) is outside the subnet \(network)", at: gateway.value.location, path: gateway.path)
                    } else if address == network.first {
                        context.error("gateway \(address) is the subnet-router address of \(network); pick a host address", at: gateway.value.location, path: gateway.path)
                    } else {
                        pool.gateway = gateway.text
                    }
                } else {
                    context.error("expected an IPv6 address like fd00:1::1, found \"\(gateway.text)\"", at: gateway.value.location, path: gateway.path)
                }
            }
            if let range = field("ip_range") {
                if let ipRange = IPv6Network(range.text) {
                    if network.contains(ipRange.first) && ipRange.prefix >= network.prefix {
                        pool.ipRange = range.text
                    } else {
                        context.error("ip_range \(ipRange) is outside the subnet \(network)", at: range.value.location, path: range.path)
                    }
                } else {
                    context.error("expected an IPv6 range like fd00:1::/80, found \"\(range.text)\"", at: range.value.location, path: range.path)
                }
            }
            if !ipam.ipv6Config.isEmpty {
                context.error("a network takes one IPv6 subnet; remove this one", at: subnet.value.location, path: subnet.path)
                return
            }
            ipam.ipv6Config.append(pool)
            return
        }
        guard let network = IPv4Network(subnet.text) else {
            context.error("expected a subnet in CIDR notation like 10.20.0.0/24, found \"\(subnet.text)\"", at: subnet.value.location, path: subnet.path)
            return
        }
        guard network.address == network.first else {
            context.error(
                "expected the subnet's network address, \(network.first)/\(network.prefix), found \"\(subnet.text)\"",
                at: subnet.value.location, path: subnet.path)
            return
        }
        // A /31 or /32 leaves no address for an instance beside the gateway.
        guard network.prefix <= 30 else {
            context.error(
                "subnet \(network) is too small: it needs room for a gateway and instances (a prefix of /30 or shorter)",
                at: subnet.value.location, path: subnet.path)
            return
        }
        var pool = IPAMPool(subnet: network)
        if let gateway = field("gateway") {
            if let address = IPv4Address(gateway.text) {
                if !network.contains(address) {
                    context.error("gateway \(address) is outside the subnet \(network)", at: gateway.value.location, path: gateway.path)
                } else if address == network.first || address == network.last {
                    context.error(
                        "gateway \(address) is the \(address == network.first ? "network" : "broadcast") address of \(network)",
                        at: gateway.value.location, path: gateway.path)
                } else {
                    pool.gateway = address
                }
            } else {
                context.error("expected an IPv4 address like 10.20.0.1, found \"\(gateway.text)\"", at: gateway.value.location, path: gateway.path)
            }
        }
        if let range = field("ip_range") {
            if let ipRange = IPv4Network(range.text) {
                if network.contains(ipRange.first) && ipRange.prefix >= network.prefix {
                    pool.ipRange = ipRange
                } else {
                    context.error("ip_range \(ipRange) is outside the subnet \(network)", at: range.value.location, path: range.path)
                }
            } else {
                context.error(
                    "expected a range in CIDR notation like 10.20.0.128/25, found \"\(range.text)\"", at: range.value.location, path: range.path)
            }
        }
        ipam.config.append(pool)
    }
}
