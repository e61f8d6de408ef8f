import AICoreAddresses

/// The service keys about networking: `network_mode`, `networks`, `expose`, `dns*`,
/// `domainname`, `mac_address`.
extension ServiceDecoder {
    func decodeNetworkMode(_ node: YAMLNode, _ path: String) -> NetworkMode? {
        guard let text = context.string(node, path) else { return nil }
        if let mode = NetworkMode(composeText: text) { return mode }
        if text.hasPrefix("container:") {
            context.error(
                "`network_mode: \(text)` is not supported: there are no containers outside the stack on one node; join a service of this stack with `network_mode: service:NAME`",
                at: node.location, path: path)
        } else {
            context.error(
                "expected `bridge`, `host`, `none` or `service:NAME`, found \"\(text)\"", at: node.location, path: path)
        }
        return nil
    }

    /// `network_mode` and `networks` together are refused (as Compose does); `networks` alone
    /// puts the service on bridge networks.
    func combineNetworkMode(_ service: inout Service, path: String, written: WrittenKeys) {
        guard written.networks != nil else { return }
        if let location = written.networkMode {
            context.error(
                "`network_mode` cannot be combined with `networks` (Compose refuses it too): remove `network_mode` to join the networks listed, or remove `networks`",
                at: location, path: DecodeContext.join(path, "network_mode"))
            return
        }
        service.networkMode = .bridge
    }

    /// A list of network keys, or a mapping of network keys to null or to endpoint settings.
    /// Sorted in attachment order.
    func decodeServiceNetworks(_ node: YAMLNode, _ path: String) -> [ServiceNetwork] {
        var result: [ServiceNetwork] = []
        if let items = node.items {
            for (offset, item) in items.enumerated() {
                let itemPath = DecodeContext.index(path, offset)
                guard let name = context.string(item, itemPath, what: "a network name") else { continue }
                guard !result.contains(where: { $0.name == name }) else {
                    context.error("network `\(name)` is listed twice", at: item.location, path: itemPath)
                    continue
                }
                context.record(itemPath, at: item.location)
                context.record(DecodeContext.join(path, name), at: item.location)
                result.append(ServiceNetwork(name: name))
            }
        } else if let entries = node.entries {
            for entry in entries {
                let entryPath = DecodeContext.join(path, entry.key)
                context.record(entryPath, at: entry.keyLocation)
                var network = ServiceNetwork(name: entry.key)
                for (key, value, keyPath, _) in context.entries(entry.value, entryPath, catalog: ComposeKeys.serviceNetwork, allowNull: true) ?? [] {
                    decodeEndpointSetting(key, value, keyPath, into: &network)
                }
                result.append(network)
            }
        } else {
            context.expected("a list of network names or a mapping", node, path)
        }
        return result.sorted(by: ServiceNetwork.attachmentOrder)
    }

    private func decodeEndpointSetting(_ key: String, _ value: YAMLNode, _ keyPath: String, into network: inout ServiceNetwork) {
        switch key {
        case "aliases":
            for (alias, location, itemPath) in locatedStrings(value, keyPath, what: "a list of names") {
                if NetworkSyntax.isDNSName(alias) {
                    network.aliases.append(alias)
                } else {
                    context.error(
                        "expected an alias that is a DNS name (letters, digits and '-' in labels of at most 63 characters, separated by '.'), found \"\(alias)\"",
                        at: location, path: itemPath)
                }
            }
        case "ipv4_address":
            guard let text = context.string(value, keyPath) else { return }
            if let address = IPv4Address(text) {
                network.ipv4Address = address
            } else {
                let hint = NetworkSyntax.isIPv6Address(text) ? "; write an IPv6 address as `ipv6_address`" : ""
                context.error("expected an IPv4 address like 10.20.0.5, found \"\(text)\"\(hint)", at: value.location, path: keyPath)
            }
        case "ipv6_address":
            guard let text = context.string(value, keyPath) else { return }
            if NetworkSyntax.isIPv6Address(text) {
                network.ipv6Address = text
            } else {
                context.error("expected an IPv6 address like fd00:1::5, found \"\(text)\"", at: value.location, path: keyPath)
            }
        case "priority":
            network.priority = context.int(value, keyPath, range: Int.min...Int.max, what: "an integer") ?? 0
        case "interface_name":
            guard let text = context.string(value, keyPath) else { return }
            if NetworkSyntax.isInterfaceName(text) {
                network.interfaceName = text
            } else {
                context.error(
                    "expected an interface name of 1 to 15 characters without '/', ':' or spaces, found \"\(text)\"",
                    at: value.location, path: keyPath)
            }
        case "mac_address":
            network.macAddress = macAddress(value, keyPath)
        default:
            break
        }
    }

    func macAddress(_ node: YAMLNode, _ path: String) -> String? {
        guard let text = context.string(node, path) else { return nil }
        guard let bytes = NetworkSyntax.macBytes(text) else {
            context.error("expected a MAC address like 02:42:ac:11:00:02, found \"\(text)\"", at: node.location, path: path)
            return nil
        }
        // The least significant bit of the first octet marks a group address: no interface's own.
        guard bytes[0] & 1 == 0 else {
            context.error("\(text) is a multicast MAC address; an interface needs a unicast one, e.g. 02:42:ac:11:00:02", at: node.location, path: path)
            return nil
        }
        guard bytes.contains(where: { $0 != 0 }) else {
            context.error("00:00:00:00:00:00 is not a MAC address an interface can have", at: node.location, path: path)
            return nil
        }
        return text
    }

    /// `expose`: ports, ranges, with an optional `/tcp`, `/udp` or `/sctp`; one mapping per port.
    func decodeExpose(_ node: YAMLNode, _ path: String) -> [PortMapping] {
        var result: [PortMapping] = []
        for (text, location, itemPath) in locatedStrings(node, path, what: "a list of ports", allowSingle: false) {
            let pieces = text.split(separator: "/", omittingEmptySubsequences: false)
            let transport = pieces.count == 2 ? PortMapping.TransportProtocol(rawValue: String(pieces[1])) : PortMapping.TransportProtocol.tcp
            guard pieces.count <= 2, let transport, let ports = PortSyntax.range(pieces[0]) else {
                context.error(
                    "expected a port or range from 1 to 65535, optionally with /tcp, /udp or /sctp (e.g. \"53/udp\"), found \"\(text)\"",
                    at: location, path: itemPath)
                continue
            }
            result += ports.map { PortMapping(target: $0, transport: transport) }
            if transport == .sctp {
                context.warning(.unsupported, Self.sctpNotServed, at: location, path: itemPath)
            }
        }
        return result
    }

    /// An SCTP port loads (Compose accepts it), but nothing carries it: say so where it is written.
    static let sctpNotServed =
        "sctp ports are not proxied (the proxy carries tcp and udp): this port is served neither at the service's VIP nor on the host"

    /// `dns`: name server addresses, one or a list.
    func decodeNameServers(_ node: YAMLNode, _ path: String) -> [String] {
        locatedStrings(node, path, what: "an IP address or a list of them").compactMap { (text, location, itemPath) -> String? in
            guard NetworkSyntax.isIPAddress(text) else {
                context.error("expected the IP address of a name server, found \"\(text)\"", at: location, path: itemPath)
                return nil
            }
            return text
        }
    }

    /// `dns_search`: DNS domains, one or a list.
    func decodeSearchDomains(_ node: YAMLNode, _ path: String) -> [String] {
        locatedStrings(node, path, what: "a domain or a list of them").compactMap { (text, location, itemPath) -> String? in
            guard NetworkSyntax.isDNSName(text) else {
                context.error(
                    "expected a search domain (a DNS name like example.internal), found \"\(text)\"", at: location, path: itemPath)
                return nil
            }
            return text
        }
    }

    /// `dns_opt`: resolv.conf options such as `ndots:2`.
    func decodeResolverOptions(_ node: YAMLNode, _ path: String) -> [String] {
        locatedStrings(node, path, what: "a list of resolver options", allowSingle: false).compactMap { (text, location, itemPath) -> String? in
            guard !text.isEmpty, !text.contains(where: \.isWhitespace) else {
                context.error("expected a resolver option like ndots:2 or timeout:1, found \"\(text)\"", at: location, path: itemPath)
                return nil
            }
            return text
        }
    }

    /// `domainname`: a DNS name.
    func decodeDomainName(_ node: YAMLNode, _ path: String) -> String? {
        guard let text = context.string(node, path) else { return nil }
        guard NetworkSyntax.isDNSName(text) else {
            context.error(
                "expected a domain name (letters, digits and '-' in labels of at most 63 characters, separated by '.'), found \"\(text)\"",
                at: node.location, path: path)
            return nil
        }
        return text
    }

    /// A string or a list of strings, each with where it was written and its key path.
    private func locatedStrings(
        _ node: YAMLNode, _ path: String, what: String, allowSingle: Bool = true
    ) -> [(text: String, location: SourceLocation, path: String)] {
        guard let items = node.items else {
            guard allowSingle else {
                context.expected(what, node, path)
                return []
            }
            guard let text = context.string(node, path, what: what) else { return [] }
            return [(text, node.location, path)]
        }
        var result: [(String, SourceLocation, String)] = []
        for (offset, item) in items.enumerated() {
            let itemPath = DecodeContext.index(path, offset)
            context.record(itemPath, at: item.location)
            if let text = context.string(item, itemPath) { result.append((text, item.location, itemPath)) }
        }
        return result
    }
}
