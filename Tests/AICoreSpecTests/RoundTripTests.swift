import Foundation
import Testing

@testable import AICoreSpec

/// `config print` output loads back into the same model: for the reference stack, the seed,
/// every awesome-compose stack, and generated stacks.
@Suite struct RoundTripTests {
    /// Loads `path`, prints it in `format`, loads the printout, and compares the models.
    private func roundTrip(_ path: String, format: StackPrinter.Format, environment: [String: String] = [:]) throws {
        let original = try StackLoader.load(StackLoadOptions(files: [path], environment: environment)).stack
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let printed = try fixture.write("printed.\(format.rawValue)", StackPrinter.render(original, format: format))
        let reloaded = try StackLoader.load(StackLoadOptions(files: [printed], environment: [:])).stack
        #expect(reloaded == original, "round trip of \(path) as \(format)")
    }

    static var referenceStacks: [String] {
        let root = StackFixture.resources
        let awesome = (try? FileManager.default.contentsOfDirectory(atPath: root + "/awesome-compose")) ?? []
        return [root + "/seed/docker-compose.prod.yml", ReferenceStackTests.aiCoreStackPath]
            + awesome.sorted().map { root + "/awesome-compose/" + $0 }
    }

    @Test("printing and reloading a real stack gives the same model", arguments: referenceStacks, StackPrinter.Format.allCases)
    func realStacksRoundTrip(path: String, format: StackPrinter.Format) throws {
        // A missing build context is an error, and the corpus has none of its own.
        guard try String(contentsOfFile: path, encoding: .utf8).contains("build:") else {
            return try roundTrip(path, format: format)
        }
        let project = try ReferenceStackTests.projectWithContexts(path)
        defer { project.fixture.remove() }
        try roundTrip(project.file, format: format)
    }

    @Test("a `$` in a value survives printing as `$$`")
    func dollarSignsAreEscaped() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let path = try fixture.write(
            "stack.yml",
            """
            services:
              app:
                command: ["sh", "-c", "echo $$HOME and $${PATH}"]
                environment: {PRICE: "$$5"}
            """)
        let stack = try StackLoader.load(StackLoadOptions(files: [path], environment: [:])).stack
        #expect(stack.services[0].command == ["sh", "-c", "echo $HOME and ${PATH}"])
        #expect(stack.services[0].environment["PRICE"] == "$5")
        try roundTrip(path, format: .yaml)
        try roundTrip(path, format: .json)
    }

    static let networkingStack = """
        name: shop
        services:
          api:
            command: sleep 1
            hostname: api
            domainname: shop.internal
            mac_address: 02:42:ac:11:00:02
            expose: ["3000", "53/udp"]
            ports: ["127.0.0.1:8080:3000/tcp", "5353:53/udp"]
            networks:
              front:
              back:
                aliases: [api-internal]
                ipv4_address: 10.30.0.200
                ipv6_address: fd00:30::10
                priority: 3
                interface_name: back0
                mac_address: 02:42:ac:11:00:03
            dns: [10.30.0.53]
            dns_search: [shop.internal]
            dns_opt: [ndots:1]
            extra_hosts: ["gw:host-gateway"]
          worker:
            command: sleep 1
            network_mode: service:api
          batch:
            command: sleep 1
            network_mode: bridge
            deploy: {endpoint_mode: dnsrr, replicas: 2}
          plain:
            command: sleep 1
        networks:
          default:
            name: shop-net
          front:
            internal: true
            labels: {tier: web}
          back:
            driver: bridge
            enable_ipv6: true
            ipam:
              driver: default
              config:
                - {subnet: 10.30.0.0/24, gateway: 10.30.0.1, ip_range: 10.30.0.128/25}
                - {subnet: "fd00:30::/64"}
          shared:
            external: true
            name: shared-net
        """

    @Test("every networking key survives printing and reloading", arguments: StackPrinter.Format.allCases)
    func networkingRoundTrip(format: StackPrinter.Format) throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let path = try fixture.write("stack.yml", Self.networkingStack)
        let loaded = try StackLoader.load(StackLoadOptions(files: [path], environment: [:]))
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings.map(\.description))")
        #expect(loaded.stack.service(named: "api")?.networks.count == 2)
        try roundTrip(path, format: format)
    }

    /// A property test: random stacks from a seeded generator survive a round trip.
    @Test("a stack built with include, extends, !reset, !override and a raw env_file round-trips", arguments: StackPrinter.Format.allCases)
    func loaderFeaturesRoundTrip(format: StackPrinter.Format) throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        try fixture.write("db/compose.yml", "services:\n  db:\n    command: sleep ${NAP}\n    volumes: [./data:/data, dbdata:/backup]\nvolumes:\n  dbdata: {}\n")
        try fixture.write("db/.env", "NAP=3\n")
        try fixture.write("common/base.yml", "services:\n  web:\n    command: sleep 1\n    ports: [\"8080:80\"]\n    env_file: [{path: raw.env, format: raw}]\n    volumes: [./static:/static]\n")
        try fixture.write("common/raw.env", "QUOTED=\"$x\" # as written\n")
        try fixture.write("override.yml", "services:\n  api:\n    ports: !reset []\n    labels: !override {only: this}\n")
        let path = try fixture.write(
            "stack.yml",
            """
            include: [db/compose.yml]
            services:
              api:
                extends: {file: common/base.yml, service: web}
                depends_on: [db]
                labels: {tier: web}
            """)
        let original = try StackLoader.load(StackLoadOptions(files: [path, fixture.directory + "/override.yml"], environment: [:])).stack
        let api = try #require(original.service(named: "api"))
        #expect(api.environment == ["QUOTED": "\"$x\" # as written"])
        #expect(api.labels == ["only": "this"])
        #expect(api.ports.isEmpty)
        let printed = try fixture.write("printed.\(format.rawValue)", StackPrinter.render(original, format: format))
        let reloaded = try StackLoader.load(StackLoadOptions(files: [printed], environment: [:])).stack
        #expect(reloaded == original)
    }

    @Test("generated stacks round-trip", arguments: 0..<60)
    func generatedStacksRoundTrip(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let yaml = RandomStack.yaml(using: &generator)
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let path = try fixture.write("stack.yml", yaml)
        do {
            try roundTrip(path, format: seed.isMultiple(of: 2) ? .yaml : .json)
        } catch {
            Issue.record("seed \(seed) failed: \(error)\n\(yaml)")
        }
    }
}

/// SplitMix64: small, fast, reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Valid stacks with a random mix of keys and forms.
enum RandomStack {
    static func yaml(using rng: inout SeededGenerator) -> String {
        let serviceCount = Int.random(in: 1...4, using: &rng)
        var lines = ["name: gen\(Int.random(in: 0...999, using: &rng))", "services:"]
        var usedPorts = Set<Int>()
        for index in 0..<serviceCount {
            lines.append("  svc\(index):")
            lines.append("    command: [\"/bin/sleep\", \"\(Int.random(in: 1...999, using: &rng))\"]")
            if Bool.random(using: &rng) {
                lines.append("    environment:")
                for key in 0..<Int.random(in: 1...3, using: &rng) {
                    lines.append("      K\(key): \"v\(Int.random(in: 0...99, using: &rng))\"")
                }
            }
            if Bool.random(using: &rng) {
                var port = Int.random(in: 1024...60000, using: &rng)
                while usedPorts.contains(port) { port += 1 }
                usedPorts.insert(port)
                lines.append("    ports: [\"127.0.0.1:\(port):\(Int.random(in: 1...65535, using: &rng))/\(Bool.random(using: &rng) ? "tcp" : "udp")\"]")
            }
            if Bool.random(using: &rng) {
                lines.append("    volumes: [\"./data\(index):/data:ro\", \"/cache\"]")
                lines.append("    tmpfs: [\"/run:size=\(Int.random(in: 1...512, using: &rng))m\"]")
            }
            if Bool.random(using: &rng) {
                lines += [
                    "    healthcheck:",
                    "      test: [\"CMD\", \"true\"]",
                    "      interval: \(Int.random(in: 1...90, using: &rng))s",
                    "      retries: \(Int.random(in: 1...9, using: &rng))",
                ]
            }
            let restarts = ["\"no\"", "always", "on-failure", "on-failure:3", "unless-stopped"]
            lines.append("    restart: \(restarts[Int.random(in: 0..<restarts.count, using: &rng)])")
            if Bool.random(using: &rng) {
                lines += [
                    "    deploy:",
                    "      replicas: \(Int.random(in: 0...5, using: &rng))",
                    "      resources:",
                    "        limits: {cpus: \"\(Double(Int.random(in: 1...16, using: &rng)) / 4)\", memory: \(Int.random(in: 64...4096, using: &rng))m}",
                    "      restart_policy: {delay: \(Int.random(in: 0...9000, using: &rng))ms, window: 2m}",
                ]
            }
            if index > 0 && Bool.random(using: &rng) {
                lines.append("    depends_on: [svc\(Int.random(in: 0..<index, using: &rng))]")
            }
            if Bool.random(using: &rng) {
                lines += [
                    "    x-aicore:",
                    "      probes:",
                    "        readiness: {http_get: {path: /ready}, period: \(Int.random(in: 1...30, using: &rng))}",
                    "      rollout: {max_surge: \(Int.random(in: 1...3, using: &rng)), max_unavailable: \(Int.random(in: 0...100, using: &rng))%}",
                    "      disruption_budget: {min_available: \(Int.random(in: 0...3, using: &rng))}",
                ]
            }
            if Bool.random(using: &rng) {
                lines.append("    x-note: {owner: \"team-\(index)\", cost: \(Int.random(in: 0...9, using: &rng))}")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
