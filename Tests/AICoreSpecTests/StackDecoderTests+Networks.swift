import AICoreAddresses
import Foundation
import Testing

@testable import AICoreSpec

/// Top-level `networks` and the implicit `default` network, as the model records them.
@Suite("stack networks")
struct StackNetworksTests {
    static func load(_ yaml: String) throws -> LoadedStack {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        return try fixture.load(yaml: yaml)
    }

    @Test("a network definition records driver, internal, labels, ipam and enable_ipv6")
    func definition() throws {
        let loaded = try Self.load(StackFixture.apiHeader + """
            networks:
              back:
                driver: bridge
                internal: true
                enable_ipv6: true
                labels: [tier=data]
                ipam:
                  driver: default
                  config:
                    - subnet: 10.30.0.0/24
                      gateway: 10.30.0.254
                      ip_range: 10.30.0.128/25
                    - subnet: fd00:30::/64
                      gateway: fd00:30::1
              front:
                name: shared-front
            """)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings.map(\.description))")
        let back = try #require(loaded.stack.networks.first { $0.key == "back" })
        let subnet = try #require(IPv4Network("10.30.0.0/24"))
        let expected = NetworkDefinition(
            key: "back", name: "\(loaded.stack.name)_back", driver: "bridge", internal: true, labels: ["tier": "data"],
            ipam: IPAMConfig(
                driver: "default",
                config: [IPAMPool(subnet: subnet, gateway: IPv4Address("10.30.0.254"), ipRange: IPv4Network("10.30.0.128/25"))],
                ipv6Config: [IPv6Pool(subnet: "fd00:30::/64", gateway: "fd00:30::1")]),
            enableIPv6: true)
        #expect(back == expected)
        #expect(back.subnets.map(\.description) == ["10.30.0.0/24"])
        #expect(loaded.stack.networks.first { $0.key == "front" }?.name == "shared-front")
    }

    @Test("an external network is named by `name:` or its key", arguments: [
        ("external: true", "back"), ("external: true\n    name: shared", "shared"), ("external: {name: legacy}", "legacy"),
    ])
    func external(_ example: (yaml: String, name: String)) throws {
        let stack = try Self.load(StackFixture.apiHeader + "networks:\n  back:\n    \(example.yaml)\n").stack
        #expect(stack.networks == [NetworkDefinition(key: "back", name: example.name, external: true)])
    }

    @Test("the default network is `<project>_default`, customized by a top-level `default:` entry")
    func defaultNetwork() throws {
        let plain = try Self.load("name: shop\n" + StackFixture.apiHeader).stack
        #expect(plain.defaultNetworkName == "shop_default")
        let custom = try Self.load("name: shop\n" + StackFixture.apiHeader + "networks:\n  default:\n    name: shop-net\n    ipam: {config: [{subnet: 10.40.0.0/24}]}\n").stack
        #expect(custom.defaultNetworkName == "shop-net")
        #expect(custom.defaultNetwork.subnets.map(\.description) == ["10.40.0.0/24"])
    }

    @Test("a service on bridge that names no network is on `default`; other modes are on none")
    func networksOfService() throws {
        let stack = try Self.load("""
            name: shop
            services:
              plain:
                command: sleep 1
              named:
                command: sleep 1
                networks: {back: {priority: 2}, front: }
              bridged:
                command: sleep 1
                network_mode: bridge
              host:
                command: sleep 1
                network_mode: host
              sidecar:
                command: sleep 1
                network_mode: service:plain
            networks:
              back:
              front:
            """).stack
        func names(_ service: String, _ mode: NetworkMode) throws -> [String] {
            stack.networks(of: try #require(stack.service(named: service)), defaultMode: mode).map(\.name)
        }
        #expect(try names("plain", .bridge) == ["default"])
        #expect(try names("plain", .host) == [])
        #expect(try names("named", .host) == ["back", "front"])
        #expect(try names("bridged", .host) == ["default"])
        #expect(try names("host", .bridge) == [])
        #expect(try names("sidecar", .bridge) == [])
        #expect(stack.network(forKey: "default")?.name == "shop_default")
        #expect(stack.network(forKey: "missing") == nil)
    }

    @Test("driver_opts and attachable are located warnings that they are not applied")
    func notApplied() throws {
        let loaded = try Self.load(StackFixture.apiHeader + "networks:\n  back:\n    driver_opts: {mtu: 1400}\n    attachable: true\n")
        #expect(loaded.warnings.map(\.keyPath) == ["networks.back.driver_opts", "networks.back.attachable"])
        #expect(loaded.warnings.allSatisfy { $0.message.contains("is not applied") && !$0.blocksRun })
    }

    @Test("an sctp port in `ports` or `expose` loads with a located warning that nothing serves it; udp has none")
    func sctpIsNotServed() throws {
        let loaded = try Self.load(StackFixture.apiHeader + "    ports: [\"53:53/udp\", \"3868:3868/sctp\"]\n    expose: [\"2905/sctp\", \"5353/udp\"]\n")
        #expect(loaded.warnings.map(\.keyPath) == ["services.api.ports[1]", "services.api.expose[0]"])
        #expect(loaded.warnings.allSatisfy { $0.kind == .unsupported && $0.message.hasPrefix("sctp ports are not proxied") })
        #expect(loaded.stack.service(named: "api")?.ports.map(\.transport) == [.udp, .sctp])
    }

    @Test("declaring networks no longer warns that isolation is missing")
    func noIsolationWarning() throws {
        let loaded = try Self.load(StackFixture.apiHeader + "    networks: [back]\nnetworks:\n  back:\n")
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings.map(\.description))")
    }
}
