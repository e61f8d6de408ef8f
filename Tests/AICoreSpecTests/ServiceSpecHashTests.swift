import Foundation
import Testing

@testable import AICoreSpec

/// A service's hash changes exactly when its instances must be replaced.
@Suite struct ServiceSpecHashTests {
    static let base = """
        services:
          api:
            command: sleep 1
            networks:
              back:
                aliases: [api-internal]
                ipv4_address: 10.30.0.10
        networks:
          back:
            ipam: {config: [{subnet: 10.30.0.0/24}]}
          other:
        """

    static func hash(_ yaml: String, service: String = "api") throws -> String {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let stack = try fixture.load(yaml: yaml).stack
        return ServiceSpecHash.of(try #require(stack.service(named: service)))
    }

    static let changes: [(String, String)] = [
        ("an alias", base.replacingOccurrences(of: "[api-internal]", with: "[api-internal, api2]")),
        ("the static address", base.replacingOccurrences(of: "10.30.0.10", with: "10.30.0.11")),
        ("another network", base.replacingOccurrences(of: "      back:\n", with: "      other:\n      back:\n")),
        ("network_mode", base.replacingOccurrences(
            of: "    networks:\n      back:\n        aliases: [api-internal]\n        ipv4_address: 10.30.0.10\n",
            with: "    network_mode: host\n")),
        ("dns", base.replacingOccurrences(of: "    command: sleep 1\n", with: "    command: sleep 1\n    dns: [10.0.0.53]\n")),
        ("dns_search", base.replacingOccurrences(of: "    command: sleep 1\n", with: "    command: sleep 1\n    dns_search: [x.internal]\n")),
        ("dns_opt", base.replacingOccurrences(of: "    command: sleep 1\n", with: "    command: sleep 1\n    dns_opt: [ndots:1]\n")),
        ("hostname", base.replacingOccurrences(of: "    command: sleep 1\n", with: "    command: sleep 1\n    hostname: api-host\n")),
        ("endpoint_mode", base.replacingOccurrences(of: "    command: sleep 1\n", with: "    command: sleep 1\n    deploy: {endpoint_mode: dnsrr}\n")),
    ]

    @Test("changing a service's networking changes its hash", arguments: changes)
    func networkingChangesTheHash(_ change: (what: String, yaml: String)) throws {
        #expect(change.yaml != Self.base, "\(change.what): the edit did not apply")
        #expect(try Self.hash(change.yaml) != Self.hash(Self.base), "\(change.what)")
    }

    @Test("another service or another network of the stack leaves the hash alone")
    func unrelatedChangesKeepTheHash() throws {
        let more = Self.base.replacingOccurrences(of: "\n  other:", with: "\n  other:\n    internal: true")
            .replacingOccurrences(of: "networks:\n  back:", with: "  db:\n    command: sleep 2\n    networks: [other]\nnetworks:\n  back:")
        #expect(more != Self.base)
        #expect(try Self.hash(more) == Self.hash(Self.base))
    }
}
