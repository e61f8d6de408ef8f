import AICoreAddresses
import Foundation
import Testing

@testable import AICoreSpec

/// The service's networking keys: each accepted form and the model it decodes to.
extension ServiceDecoderTests {
    @Suite("service networks")
    struct Networks {
        static let threeNetworks = "networks:\n  front:\n  back:\n  admin:\n"

        @Test("no network_mode and no networks leaves the mode to the agent")
        func unwritten() throws {
            let service = try decode("").service
            #expect(service.networkMode == nil)
            #expect(service.networks.isEmpty)
        }

        @Test("a list of networks puts the service on bridge, attached in name order")
        func listForm() throws {
            let service = try decode("networks: [front, back]", topLevel: Self.threeNetworks).service
            #expect(service.networkMode == .bridge)
            #expect(service.networks == [ServiceNetwork(name: "back"), ServiceNetwork(name: "front")])
        }

        @Test("a map of networks takes null or endpoint settings")
        func mapForm() throws {
            let topLevel = """
                networks:
                  front:
                  back:
                    enable_ipv6: true
                    ipam:
                      config:
                        - subnet: 10.30.0.0/24
                        - subnet: fd00:30::/64
                """
            let yaml = """
                networks:
                  front:
                  back:
                    aliases: [database, db.internal]
                    ipv4_address: 10.30.0.10
                    ipv6_address: fd00:30::10
                    priority: 5
                    interface_name: backnet
                    mac_address: 02:42:ac:11:00:02
                """
            let service = try decode(yaml, topLevel: topLevel).service
            #expect(service.networkMode == .bridge)
            #expect(service.networks == [
                ServiceNetwork(
                    name: "back", aliases: ["database", "db.internal"], ipv4Address: IPv4Address("10.30.0.10"),
                    ipv6Address: "fd00:30::10", priority: 5, interfaceName: "backnet", macAddress: "02:42:ac:11:00:02"),
                ServiceNetwork(name: "front"),
            ])
        }

        @Test("networks are attached highest priority first, then by name")
        func attachmentOrder() throws {
            let yaml = "networks:\n  front: {priority: 1}\n  admin:\n  back: {priority: 1}\n"
            let service = try decode(yaml, topLevel: Self.threeNetworks).service
            #expect(service.networks.map(\.name) == ["back", "front", "admin"])
        }

        @Test("`default` needs no declaration")
        func defaultNetwork() throws {
            let service = try decode("networks: [default]").service
            #expect(service.networks == [ServiceNetwork(name: "default")])
        }

        @Test("network_mode: service:NAME joins another service of the stack")
        func serviceMode() throws {
            let service = try decode("network_mode: service:db", topLevel: "  db:\n    command: sleep 1\n").service
            #expect(service.networkMode == .service("db"))
        }

        @Test("network_mode round-trips through its Compose text", arguments: [
            NetworkMode.bridge, .host, .none, .service("db"),
        ])
        func composeText(_ mode: NetworkMode) {
            #expect(NetworkMode(composeText: mode.composeText) == mode)
        }

        @Test("deploy.endpoint_mode is vip unless the file says dnsrr", arguments: [("", DeploySettings.EndpointMode.vip), ("deploy: {endpoint_mode: vip}", .vip), ("deploy: {endpoint_mode: dnsrr}", .dnsrr)])
        func endpointMode(_ example: (yaml: String, mode: DeploySettings.EndpointMode)) throws {
            #expect(try decode(example.yaml).service.deploy.endpointMode == example.mode)
        }

        @Test("dns, dns_search and dns_opt take a string or a list")
        func resolverSettings() throws {
            let one = try decode("dns: 10.0.0.53\ndns_search: example.internal").service
            #expect(one.dns == ["10.0.0.53"])
            #expect(one.dnsSearch == ["example.internal"])
            let many = try decode("dns: [1.1.1.1, \"2606:4700:4700::1111\"]\ndns_search: [a.example, b.example]\ndns_opt: [ndots:2, use-vc]").service
            #expect(many.dns == ["1.1.1.1", "2606:4700:4700::1111"])
            #expect(many.dnsSearch == ["a.example", "b.example"])
            #expect(many.dnsOptions == ["ndots:2", "use-vc"])
        }

        @Test("hostname, domainname and mac_address")
        func identity() throws {
            let service = try decode("hostname: api-1\ndomainname: example.internal\nmac_address: 02:42:AC:11:00:02").service
            #expect(service.hostname == "api-1")
            #expect(service.domainname == "example.internal")
            #expect(service.macAddress == "02:42:AC:11:00:02")
        }

        @Test("expose takes ports, ranges and a protocol; one mapping per port")
        func expose() throws {
            let service = try decode("expose: [3000, \"53/udp\", \"8000-8001\"]").service
            #expect(service.expose == [
                PortMapping(target: 3000), PortMapping(target: 53, transport: .udp), PortMapping(target: 8000),
                PortMapping(target: 8001),
            ])
            #expect(service.expose.allSatisfy { $0.published == nil })
        }

        @Test("ports keep host_ip and the protocol")
        func ports() throws {
            let service = try decode("ports: [\"127.0.0.1:8080:80/udp\", {target: 53, published: \"5353\", host_ip: \"::1\", protocol: udp}]").service
            #expect(service.ports == [
                PortMapping(target: 80, published: 8080...8080, hostIP: "127.0.0.1", transport: .udp),
                PortMapping(target: 53, published: 5353...5353, hostIP: "::1", transport: .udp),
            ])
        }

        @Test("extra_hosts takes host-gateway")
        func hostGateway() throws {
            #expect(try decode("extra_hosts: [\"host.docker.internal:host-gateway\"]").service.extraHosts == [
                ExtraHost(hostname: "host.docker.internal", address: "host-gateway")
            ])
        }

        @Test("the restricted profile keeps the service off every network but lo")
        func restricted() throws {
            let service = try decode("user: \"1000\"\nx-aicore: {security: restricted}").service
            #expect(service.networkMode == NetworkMode.none)
            #expect(service.networks.isEmpty)
        }
    }
}
