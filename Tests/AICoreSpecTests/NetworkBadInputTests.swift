import Foundation
import Testing

@testable import AICoreSpec

/// Broken networking in a stack file, each with the one located error a user should see.
@Suite("Bad network input")
struct NetworkBadInputTests {
    typealias BadInput = BadInputTests.BadInput

    @Test("reports the error at its line, column and key path", arguments: cases)
    func locatedError(_ input: BadInput) throws {
        try BadInputTests.expectLocatedError(input)
    }

    /// `api` with `keys` (service-level lines, already indented) and then `networks: back:` with `back`.
    static func api(_ keys: String, back: String = "") -> String {
        StackFixture.apiHeader + keys + "\nnetworks:\n  back:\n" + back
    }

    /// A stack whose network `back` has one ipam config entry with `pool` (lines 8 on).
    static func pool(_ pool: String) -> String {
        StackFixture.apiHeader + "networks:\n  back:\n    ipam:\n      config:\n        - " + pool + "\n"
    }

    /// `api` on `back` with the endpoint settings `endpoint` (line 6), `back` declared with `ipam`.
    static func endpoint(_ endpoint: String, ipam: String = "{config: [{subnet: 10.0.0.0/24}]}", more: String = "") -> String {
        StackFixture.apiHeader + "    networks:\n      back:\n        \(endpoint)\n" + more + "networks:\n  back:\n    ipam: \(ipam)\n"
    }

    static let outside = "is outside"

    /// `endpoint` on an `enable_ipv6` network `back` with an IPv4 and an IPv6 subnet.
    static func endpoint6(_ endpoint: String, more: String = "", ipam: String = #"{config: [{subnet: 10.0.0.0/24}, {subnet: "fd00:1::/64"}]}"#) -> String {
        StackFixture.apiHeader + "    networks:\n      back:\n        \(endpoint)\n" + more
            + "networks:\n  back:\n    enable_ipv6: true\n    ipam: \(ipam)\n"
    }

    /// A network `back` with `enable_ipv6` and one ipam config entry with `pool` (line 9).
    static func pool6(_ pool: String) -> String {
        StackFixture.apiHeader + "networks:\n  back:\n    enable_ipv6: true\n    ipam:\n      config:\n        - " + pool + "\n"
    }

    static let cases: [BadInput] = [
        BadInput(
            "a service network the stack does not declare (map form)",
            StackFixture.apiHeader + "    networks:\n      backend:\n",
            at: 5, 7, "services.api.networks", "refers to undefined network `backend`; declare it under the top-level `networks:`"),
        BadInput(
            "a network listed twice", api("    networks: [back, back]"),
            at: 4, 22, "services.api.networks[1]", "network `back` is listed twice"),
        BadInput(
            "network_mode together with networks", StackFixture.apiHeader + "    network_mode: host\n    networks: [default]\n",
            at: 4, 5, "services.api.network_mode", "`network_mode` cannot be combined with `networks` (Compose refuses it too)"),
        BadInput(
            "network_mode: container:X", StackFixture.apiHeader + "    network_mode: \"container:abc\"\n",
            at: 4, 19, "services.api.network_mode",
            "`network_mode: container:abc` is not supported: there are no containers outside the stack on one node; join a service of this stack with `network_mode: service:NAME`"),
        BadInput(
            "an unknown network_mode", StackFixture.apiHeader + "    network_mode: overlay\n",
            at: 4, 19, "services.api.network_mode", #"expected `bridge`, `host`, `none` or `service:NAME`, found "overlay""#),
        BadInput(
            "network_mode: service: names a missing service, with a did-you-mean",
            StackFixture.apiHeader + "    network_mode: service:dbb\n  db:\n    command: sleep 1\n",
            at: 4, 5, "services.api.network_mode", "`network_mode: service:dbb`: `dbb` is not a service of this stack; did you mean `db`?"),
        BadInput(
            "network_mode: service: names the service itself", StackFixture.apiHeader + "    network_mode: service:api\n",
            at: 4, 5, "services.api.network_mode", "a service cannot join its own network namespace"),
        BadInput(
            "a network driver other than bridge", api("", back: "    driver: overlay\n"),
            at: 7, 13, "networks.back.driver", #"expected `driver: bridge` (or no driver), found "overlay": only bridge networks exist on one node"#),
        BadInput(
            "an external network with ipam", api("", back: "    external: true\n    ipam: {config: [{subnet: 10.0.0.0/24}]}\n"),
            at: 8, 5, "networks.back.ipam",
            "an external network is created outside the stack: only `name` may be written beside `external`, not `ipam`"),
        BadInput(
            "an IPAM driver other than default", api("", back: "    ipam:\n      driver: dhcp\n"),
            at: 8, 15, "networks.back.ipam.driver", #"expected `driver: default`, found "dhcp": no other IPAM driver exists"#),
        BadInput(
            "a subnet that is not CIDR", pool("subnet: 10.0.0.300/24"),
            at: 8, 19, "networks.back.ipam.config[0].subnet", #"expected a subnet in CIDR notation like 10.20.0.0/24, found "10.0.0.300/24""#),
        BadInput(
            "a subnet with host bits", pool("subnet: 10.0.0.5/24"),
            at: 8, 19, "networks.back.ipam.config[0].subnet", #"expected the subnet's network address, 10.0.0.0/24, found "10.0.0.5/24""#),
        BadInput(
            "a subnet too small for instances", pool("subnet: 10.0.0.0/31"),
            at: 8, 19, "networks.back.ipam.config[0].subnet", "subnet 10.0.0.0/31 is too small"),
        BadInput(
            "an IPv6 subnet without enable_ipv6", pool("subnet: fd00:1::/64"),
            at: 8, 19, "networks.back.ipam.config[0].subnet", #"an IPv6 subnet needs `enable_ipv6: true` on the network, found "fd00:1::/64""#),
        BadInput(
            "an IPv6 subnet with an IPv4 gateway",
            StackFixture.apiHeader + "networks:\n  back:\n    enable_ipv6: true\n    ipam:\n      config:\n        - subnet: fd00:1::/64\n          gateway: 10.0.0.1\n",
            at: 10, 20, "networks.back.ipam.config[0].gateway", #"expected an IPv6 address like fd00:1::1, found "10.0.0.1""#),
        BadInput(
            "a gateway outside its subnet", pool("subnet: 10.0.0.0/24\n          gateway: 10.0.1.1"),
            at: 9, 20, "networks.back.ipam.config[0].gateway", "gateway 10.0.1.1 is outside the subnet 10.0.0.0/24"),
        BadInput(
            "an ip_range outside its subnet", pool("subnet: 10.0.0.0/24\n          ip_range: 10.0.1.0/25"),
            at: 9, 21, "networks.back.ipam.config[0].ip_range", "ip_range 10.0.1.0/25 is outside the subnet 10.0.0.0/24"),
        BadInput(
            "two networks with overlapping subnets",
            StackFixture.apiHeader + "networks:\n  front:\n    ipam: {config: [{subnet: 10.0.0.0/16}]}\n  back:\n    ipam: {config: [{subnet: 10.0.5.0/24}]}\n",
            at: 8, 22, "networks.back.ipam.config[0].subnet",
            "subnet 10.0.5.0/24 overlaps 10.0.0.0/16 of network `front`; give each network a subnet of its own"),
        BadInput(
            "ipv4_address on a network without a configured subnet",
            StackFixture.apiHeader + "    networks:\n      back:\n        ipv4_address: 10.0.0.5\nnetworks:\n  back:\n",
            at: 6, 9, "services.api.networks.back.ipv4_address",
            "user specified IP address is supported only when connecting to networks with user configured subnets"),
        BadInput(
            "ipv4_address outside its subnet", endpoint("ipv4_address: 10.0.1.5"),
            at: 6, 9, "services.api.networks.back.ipv4_address", "10.0.1.5 is outside the subnet of network `back` (10.0.0.0/24)"),
        BadInput(
            "ipv4_address on the network address", endpoint("ipv4_address: 10.0.0.0"),
            at: 6, 9, "services.api.networks.back.ipv4_address", "10.0.0.0 is the network address of 10.0.0.0/24"),
        BadInput(
            "ipv4_address on the broadcast address", endpoint("ipv4_address: 10.0.0.255"),
            at: 6, 9, "services.api.networks.back.ipv4_address", "10.0.0.255 is the broadcast address of 10.0.0.0/24"),
        BadInput(
            "ipv4_address on the implicit gateway", endpoint("ipv4_address: 10.0.0.1"),
            at: 6, 9, "services.api.networks.back.ipv4_address", "10.0.0.1 is the gateway address of 10.0.0.0/24"),
        BadInput(
            "ipv4_address on the configured gateway",
            endpoint("ipv4_address: 10.0.0.254", ipam: "{config: [{subnet: 10.0.0.0/24, gateway: 10.0.0.254}]}"),
            at: 6, 9, "services.api.networks.back.ipv4_address", "10.0.0.254 is the gateway address of 10.0.0.0/24"),
        BadInput(
            "a static address on several replicas", endpoint("ipv4_address: 10.0.0.5", more: "    deploy: {replicas: 2}\n"),
            at: 6, 9, "services.api.networks.back.ipv4_address",
            "a static address fits one instance, but the service runs up to 2 replicas; remove ipv4_address or run one replica"),
        BadInput(
            "two services with the same static address",
            endpoint("ipv4_address: 10.0.0.5", more: "  db:\n    command: sleep 1\n    networks:\n      back:\n        ipv4_address: 10.0.0.5\n"),
            at: 11, 9, "services.db.networks.back.ipv4_address", "10.0.0.5 is already the address of service `api` on network `back`"),
        BadInput(
            "ipv4_address that is not an IPv4 address", endpoint("ipv4_address: fd00::5"),
            at: 6, 23, "services.api.networks.back.ipv4_address",
            #"expected an IPv4 address like 10.20.0.5, found "fd00::5"; write an IPv6 address as `ipv6_address`"#),
        BadInput(
            "ipv6_address on a network without IPv6", endpoint("ipv6_address: fd00::5"),
            at: 6, 9, "services.api.networks.back.ipv6_address",
            "network `back` has no IPv6: set `enable_ipv6: true` and an IPv6 subnet in its `ipam.config`"),
        BadInput(
            "an IPv6 subnet that is not its network's address", pool6("subnet: fd00:1::5/64"),
            at: 9, 19, "networks.back.ipam.config[0].subnet", #"expected the subnet's network address, fd00:1::/64, found "fd00:1::5/64""#),
        BadInput(
            "an IPv6 subnet too small for a gateway and an instance", pool6("subnet: fd00:1::/127"),
            at: 9, 19, "networks.back.ipam.config[0].subnet", "subnet fd00:1::/127 is too small: it needs room for a gateway and instances (a /64 is usual)"),
        BadInput(
            "an IPv6 gateway outside the IPv6 subnet", pool6("subnet: fd00:1::/64\n          gateway: fd00:2::1"),
            at: 10, 20, "networks.back.ipam.config[0].gateway", "gateway fd00:2::1 is outside the subnet fd00:1::/64"),
        BadInput(
            "an IPv6 ip_range outside the IPv6 subnet", pool6("subnet: fd00:1::/64\n          ip_range: fd00:2::/80"),
            at: 10, 21, "networks.back.ipam.config[0].ip_range", "ip_range fd00:2::/80 is outside the subnet fd00:1::/64"),
        BadInput(
            "ipv6_address outside the IPv6 subnet", endpoint6("ipv6_address: fd00:2::5"),
            at: 6, 9, "services.api.networks.back.ipv6_address", "fd00:2::5 is outside the IPv6 subnet of network `back` (fd00:1::/64)"),
        BadInput(
            "ipv6_address that is the IPv6 gateway", endpoint6("ipv6_address: fd00:1::1"),
            at: 6, 9, "services.api.networks.back.ipv6_address", "fd00:1::1 is the gateway address of fd00:1::/64; pick another"),
        BadInput(
            "ipv6_address that is the subnet-router address", endpoint6("ipv6_address: \"fd00:1::\""),
            at: 6, 9, "services.api.networks.back.ipv6_address", "fd00:1:: is the subnet-router address of fd00:1::/64; pick a host address"),
        BadInput(
            "ipv6_address on an IPv6 network without an IPv6 subnet in the file",
            endpoint6("ipv6_address: fd00:1::5", ipam: "{config: [{subnet: 10.0.0.0/24}]}"),
            at: 6, 9, "services.api.networks.back.ipv6_address", "a static ipv6_address needs an IPv6 subnet configured for network `back`"),
        BadInput(
            "ipv6_address on a service with several replicas", endpoint6("ipv6_address: fd00:1::5", more: "    deploy: {replicas: 2}\n"),
            at: 6, 9, "services.api.networks.back.ipv6_address",
            "a static address fits one instance, but the service runs up to 2 replicas; remove ipv6_address or run one replica"),
        BadInput(
            "two services with the same static IPv6 address",
            endpoint6("ipv6_address: fd00:1::5", more: "  db:\n    command: sleep 1\n    networks:\n      back:\n        ipv6_address: fd00:1::5\n"),
            at: 11, 9, "services.db.networks.back.ipv6_address", "fd00:1::5 is already the address of service `api` on network `back`"),
        BadInput(
            "a multicast MAC address", endpoint("mac_address: 03:42:ac:11:00:02"),
            at: 6, 22, "services.api.networks.back.mac_address",
            "03:42:ac:11:00:02 is a multicast MAC address; an interface needs a unicast one, e.g. 02:42:ac:11:00:02"),
        BadInput(
            "a static MAC address on a service with several replicas",
            StackFixture.apiHeader + "    mac_address: 02:42:ac:11:00:02\n    deploy: {replicas: 3}\n",
            at: 4, 5, "services.api.mac_address",
            "a static MAC address fits one instance, but the service runs up to 3 replicas; remove mac_address or run one replica"),
        BadInput(
            "a per-network static MAC address on a service with several replicas",
            endpoint("mac_address: 02:42:ac:11:00:02", more: "    deploy: {replicas: 2}\n"),
            at: 6, 9, "services.api.networks.back.mac_address",
            "a static MAC address fits one instance, but the service runs up to 2 replicas; remove mac_address or run one replica"),
        BadInput(
            "an alias that is not a DNS name", endpoint("aliases: [db_primary]"),
            at: 6, 19, "services.api.networks.back.aliases[0]", #"expected an alias that is a DNS name"#),
        BadInput(
            "an interface name with a slash", endpoint("interface_name: eth0/1"),
            at: 6, 25, "services.api.networks.back.interface_name",
            #"expected an interface name of 1 to 15 characters without '/', ':' or spaces, found "eth0/1""#),
        BadInput(
            "a per-network MAC address that is not one", endpoint("mac_address: 02:42"),
            at: 6, 22, "services.api.networks.back.mac_address", #"expected a MAC address like 02:42:ac:11:00:02, found "02:42""#),
        BadInput(
            "a service MAC address that is not one", StackFixture.apiHeader + "    mac_address: 02-42-zz-11-00-02\n",
            at: 4, 18, "services.api.mac_address", #"expected a MAC address like 02:42:ac:11:00:02, found "02-42-zz-11-00-02""#),
        BadInput(
            "a dns entry that is a name", StackFixture.apiHeader + "    dns: [1.1.1.1, resolver.local]\n",
            at: 4, 20, "services.api.dns[1]", #"expected the IP address of a name server, found "resolver.local""#),
        BadInput(
            "a dns_search domain with an underscore", StackFixture.apiHeader + "    dns_search: bad_domain\n",
            at: 4, 17, "services.api.dns_search", #"expected a search domain (a DNS name like example.internal), found "bad_domain""#),
        BadInput(
            "a domainname starting with a dash", StackFixture.apiHeader + "    domainname: -x.example\n",
            at: 4, 17, "services.api.domainname", #"expected a domain name"#),
        BadInput(
            "an unknown endpoint_mode", StackFixture.apiHeader + "    deploy: {endpoint_mode: round_robin}\n",
            at: 4, 29, "services.api.deploy.endpoint_mode", #"expected one of `vip`, `dnsrr`, found "round_robin""#),
        BadInput(
            "expose with an unknown protocol", StackFixture.apiHeader + "    expose: [\"80/icmp\"]\n",
            at: 4, 14, "services.api.expose[0]", #"found "80/icmp""#),
        BadInput(
            "a published port on a host name, not an address", StackFixture.apiHeader + "    ports: [\"localhost:8080:80\"]\n",
            at: 4, 13, "services.api.ports[0]", #"expected the host address to be an IP address, found "localhost""#),
        BadInput(
            "an extra host whose address is a name", StackFixture.apiHeader + "    extra_hosts: [\"db:localhost\"]\n",
            at: 4, 19, "services.api.extra_hosts[0]", #"expected an IP address (or host-gateway) for db, found "localhost""#),
    ]
}
