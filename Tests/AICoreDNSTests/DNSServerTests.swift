import AICoreAddresses
import AICoreErrors
@testable import AICoreNetwork
import AICoreSystem
import AICoreTestSupport
import Logging
import NIOCore
import NIOPosix
import Testing
@testable import AICoreDNS

#if canImport(Glibc)
import Glibc
#endif

/// The resolver on the real kernel: 127.0.0.11:53 inside namespaces these tests make (through
/// the namespace's DNAT to the resolver's own ports), asked by a client on a thread inside them;
/// the upstream is a test resolver on 127.0.0.1 of the test's own namespace. No other address
/// is ever a target.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: network namespaces"))
struct DNSServerTests {
    static let postgres = DNSResolverTests.postgres
    static let api1 = DNSResolverTests.api1
    static let api2 = DNSResolverTests.api2

    /// An instance's namespace: new, with lo up (as the runtime leaves it), kept by the descriptor.
    static func instanceNamespace() async throws -> Int32 {
        try await NetworkNamespace.runInNew { () throws(AICoreError) -> Int32 in
            try Netlink.setLink("lo", up: true)
            return try NetworkNamespace.openCurrent()
        }
    }

    /// The resolver tests' names: stack "demo" on its default network, and another network.
    static var records: DNSRecordSet { DNSResolverTests.records }

    /// A server with the test upstream, its namespace, and everything closed after `body`.
    static func withServer(upstreams: ((TestUpstreamResolver) -> [DNSUpstream])? = nil, maximumForwards: Int = 1024,
                           _ body: (DNSServer, Int32, TestUpstreamResolver) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let upstream = try await TestUpstreamResolver(group: group)
        let server = DNSServer(group: group, upstreams: upstreams?(upstream) ?? [upstream.upstream], maximumForwards: maximumForwards,
                               logger: Logger(label: "aicore.dns.test"))
        server.records = records
        let namespace = try await instanceNamespace()
        do {
            try await body(server, namespace, upstream)
        } catch {
            await server.stopAll()
            await upstream.close()
            close(namespace)
            try await group.shutdownGracefully()
            throw error
        }
        await server.stopAll()
        await upstream.close()
        close(namespace)
        try await group.shutdownGracefully()
    }

    static func addresses(_ message: DNSMessage) -> [IPv4Address] {
        message.answers.compactMap { if case .ipv4(let address) = $0.data { address } else { nil } }
    }

    /// `nft list ruleset` in `namespace`.
    static func ruleset(in namespace: Int32) async throws -> String {
        try await NetworkNamespace.run(in: namespace) { () throws(AICoreError) -> String in
            try NFTablesContext().run("list ruleset", what: "list the ruleset")
        }
    }

    /// A workload that is a DNS server, in `namespace`: a UDP socket and a listening TCP
    /// socket on `address`:53, non-blocking, so a test can look for what reached them.
    static func workloadListening(on address: String, in namespace: Int32) async throws -> (udp: Int32, tcp: Int32) {
        try await NetworkNamespace.run(in: namespace) { () throws(AICoreError) -> (udp: Int32, tcp: Int32) in
            func bound(_ type: Int32) throws(AICoreError) -> Int32 {
                let fd = socket(AF_INET, type | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
                var one: Int32 = 1
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
                var socketAddress = sockaddr_in()
                socketAddress.sin_family = sa_family_t(AF_INET)
                socketAddress.sin_port = UInt16(53).bigEndian
                socketAddress.sin_addr.s_addr = IPv4Address(address)!.value.bigEndian
                let rc = withUnsafePointer(to: &socketAddress) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                guard fd >= 0, rc == 0, type == Int32(SOCK_DGRAM.rawValue) || listen(fd, 8) == 0 else {
                    let error = AICoreError(.systemCall, "the workload cannot bind \(address):53: \(String(cString: strerror(errno)))")
                    close(fd)
                    throw error
                }
                return fd
            }
            let udp = try bound(Int32(SOCK_DGRAM.rawValue))
            do throws(AICoreError) {
                return (udp, try bound(Int32(SOCK_STREAM.rawValue)))
            } catch {
                close(udp)
                throw error
            }
        }
    }

    /// Whether a datagram or a connection is waiting on the workload's sockets (non-blocking).
    static func somethingReached(_ workload: (udp: Int32, tcp: Int32)) -> Bool {
        var byte: UInt8 = 0
        let datagram = recv(workload.udp, &byte, 1, Int32(MSG_DONTWAIT))
        let connection = accept(workload.tcp, nil, nil)
        if connection >= 0 { close(connection) }
        return datagram >= 0 || connection >= 0
    }

    @Test(arguments: NamespaceDNSClient.Transport.allCases)
    func anInstanceResolvesItsNetworksNamesAndForwardsTheRest(_ transport: NamespaceDNSClient.Transport) async throws {
        try await Self.withServer { server, namespace, upstream in
            try await server.serve(instance: "demo-api-1", namespace: namespace, networks: ["demo_default"])
            func ask(_ name: String, _ type: DNSRecordType = .a) async throws -> DNSMessage {
                try await NamespaceDNSClient.ask(name, type, over: transport, in: namespace)
            }
            #expect(Self.addresses(try await ask("postgres")) == [Self.postgres])
            #expect(Self.addresses(try await ask("db")) == [Self.postgres])
            #expect(Self.addresses(try await ask("demo-postgres-1")) == [Self.postgres])
            #expect(try await ask("5.0.220.10.in-addr.arpa", .ptr).answers.map(\.data) == [.name(DNSName("demo-postgres-1")!)])
            let aaaa = try await ask("postgres", .aaaa)
            #expect(aaaa.responseCode == .noError && aaaa.answers.isEmpty)

            // dnsrr: both replicas every time, starting with another one on the next query.
            let first = Self.addresses(try await ask("api"))
            let second = Self.addresses(try await ask("api"))
            #expect(Set(first) == [Self.api1, Self.api2] && Set(second) == [Self.api1, Self.api2])
            #expect(first != second)

            // Another network's name is not visible: it goes upstream, which does not know it.
            #expect(try await ask("secret").responseCode == .nameError)
            #expect(upstream.asked.contains("\(transport) secret"))

            // Changes show in the very next query.
            server.updateRecords { $0.networks["demo_default"]?.set("redis", to: [IPv4Address("10.220.0.9")!]) }
            #expect(Self.addresses(try await ask("redis")) == [IPv4Address("10.220.0.9")!])
            server.updateRecords { $0.networks["demo_default"]?.remove("postgres") }
            #expect(try await ask("postgres").responseCode == .nameError)

            // Forwarded unchanged: the upstream's answer, with the client's ID.
            let outside = try await NamespaceDNSClient.ask("outside.example", over: transport, in: namespace, id: 0xD00D)
            #expect(outside.id == 0xD00D && Self.addresses(outside) == [TestUpstreamResolver.outside])
            #expect(outside.answers.first?.ttl == 60)

            // Connected to another network while running: its names show at once.
            server.setNetworks(["demo_default", "other_default"], of: "demo-api-1")
            #expect(Self.addresses(try await ask("secret")) == [IPv4Address("10.221.0.2")!])
        }
    }

    @Test func aTruncatedUpstreamAnswerIsAskedAgainOverTCP() async throws {
        try await Self.withServer { server, namespace, upstream in
            try await server.serve(instance: "demo-api-1", namespace: namespace, networks: ["demo_default"])
            let answer = try await NamespaceDNSClient.ask("big.example", over: .udp, in: namespace)
            #expect(!answer.isTruncated && Self.addresses(answer) == [TestUpstreamResolver.big])
            #expect(upstream.asked == ["udp big.example", "tcp big.example"])
            #expect(server.counters.snapshot.forwarded == 1)
        }
    }

    @Test func withNoUpstreamAnsweringTheClientGetsServfail() async throws {
        // A port nothing listens on: the upstream refuses at once (ICMP port unreachable).
        let closed = try LoopbackPort.allocate()
        try await Self.withServer(upstreams: { _ in [DNSUpstream(IPv4Address("127.0.0.1")!, port: UInt16(closed))] }) { server, namespace, _ in
            try await server.serve(instance: "demo-api-1", namespace: namespace, networks: ["demo_default"])
            for transport in NamespaceDNSClient.Transport.allCases {
                #expect(try await NamespaceDNSClient.ask("outside.example", over: transport, in: namespace).responseCode == .serverFailure)
            }
            #expect(server.counters.snapshot.failed == 2)
            // Our own names never depend on an upstream.
            #expect(Self.addresses(try await NamespaceDNSClient.ask("postgres", in: namespace)) == [Self.postgres])
        }
    }

    @Test func pastTheLimitOfForwardsInFlightAQueryFailsAtOnceAndOurNamesStillResolve() async throws {
        try await Self.withServer(maximumForwards: 0) { server, namespace, upstream in
            try await server.serve(instance: "demo-api-1", namespace: namespace, networks: ["demo_default"])
            #expect(try await NamespaceDNSClient.ask("outside.example", in: namespace).responseCode == .serverFailure)
            #expect(upstream.asked.isEmpty)
            #expect(Self.addresses(try await NamespaceDNSClient.ask("postgres", in: namespace)) == [Self.postgres])
            #expect(server.counters.snapshot == DNSCounters.Snapshot(answered: 1, forwarded: 0, failed: 1, dropped: 0))
        }
    }

    @Test func aServicesOwnDnsServersReplaceTheHostsForItsInstances() async throws {
        let closed = try LoopbackPort.allocate()
        try await Self.withServer(upstreams: { _ in [DNSUpstream(IPv4Address("127.0.0.1")!, port: UInt16(closed))] }) { server, namespace, upstream in
            try await server.serve(instance: "demo-api-1", namespace: namespace, networks: ["demo_default"], upstreams: [upstream.upstream])
            #expect(Self.addresses(try await NamespaceDNSClient.ask("outside.example", in: namespace)) == [TestUpstreamResolver.outside])
        }
    }

    @Test func stoppingAndServingAgainReplacesTheRedirectWithOneTableOfOurs() async throws {
        try await Self.withServer { server, namespace, _ in
            /// The namespace's ruleset is exactly our one table, sending :53 to where `instance` is served.
            func expectOneTableForTheCurrentPorts() async throws {
                let endpoint = try #require(server.endpoint(of: "demo-api-1"))
                #expect(endpoint.binding == .redirected && endpoint.udpPort != 53 && endpoint.tcpPort != 53)
                let expected = ResolverRedirect.table(address: ResolvConf.resolverAddress, udpPort: endpoint.udpPort, tcpPort: endpoint.tcpPort)
                    .split(separator: "\n")
                #expect(try await Self.ruleset(in: namespace).split(separator: "\n") == Array(expected))
            }
            try await server.serve(instance: "demo-api-1", namespace: namespace, networks: ["demo_default"])
            #expect(Self.addresses(try await NamespaceDNSClient.ask("postgres", over: .tcp, in: namespace)) == [Self.postgres])
            try await expectOneTableForTheCurrentPorts()
            await server.stopServing(instance: "demo-api-1")
            #expect(server.servedInstances.isEmpty && server.endpoint(of: "demo-api-1") == nil)
            // What an agent restart does: serve the re-adopted instance's namespace again.
            try await server.serve(instance: "demo-api-1", namespace: namespace, networks: ["demo_default"])
            #expect(Self.addresses(try await NamespaceDNSClient.ask("postgres", over: .tcp, in: namespace)) == [Self.postgres])
            #expect(Self.addresses(try await NamespaceDNSClient.ask("postgres", over: .udp, in: namespace)) == [Self.postgres])
            try await expectOneTableForTheCurrentPorts()
            // Serving an instance already served starts over instead of failing.
            try await server.serve(instance: "demo-api-1", namespace: namespace, networks: ["other_default"])
            #expect(Self.addresses(try await NamespaceDNSClient.ask("secret", in: namespace)) == [IPv4Address("10.221.0.2")!])
            #expect(Self.addresses(try await NamespaceDNSClient.ask("secret", over: .tcp, in: namespace)) == [IPv4Address("10.221.0.2")!])
            try await expectOneTableForTheCurrentPorts()
            #expect(server.servedInstances == ["demo-api-1"])
        }
    }

    /// A Compose service that is itself a DNS server (coredns, dnsmasq) binds port 53 in its
    /// namespace; what it asks 127.0.0.11:53 still reaches the resolver, even when it has bound
    /// 127.0.0.11:53 itself: the DNAT is on the output hook, before any socket is looked up.
    @Test(arguments: ["0.0.0.0", "127.0.0.11"])
    func aWorkloadCanBindPort53AndItsQueriesStillReachTheResolver(_ address: String) async throws {
        try await Self.withServer { server, namespace, _ in
            try await server.serve(instance: "demo-api-1", namespace: namespace, networks: ["demo_default"])
            let workload = try await Self.workloadListening(on: address, in: namespace)
            defer { close(workload.udp); close(workload.tcp) }
            for transport in NamespaceDNSClient.Transport.allCases {
                #expect(Self.addresses(try await NamespaceDNSClient.ask("postgres", over: transport, in: namespace)) == [Self.postgres])
            }
            // The answer comes from 127.0.0.11:53 (conntrack undoes the DNAT), not the resolver's own port.
            #expect(try await NamespaceDNSClient.answerSource(of: "postgres", in: namespace) == "127.0.0.11:53")
            #expect(!Self.somethingReached(workload))
            #expect(server.endpoint(of: "demo-api-1")?.binding == .redirected)
        }
    }

    @Test func bindingPort53DirectlyServesTheSameWithoutATable() async throws {
        // What a kernel without nftables' NAT gets: the fallback, chosen here outright.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = DNSServer(group: group, upstreams: [], binding: .direct, logger: Logger(label: "aicore.dns.test"))
        server.records = Self.records
        let namespace = try await Self.instanceNamespace()
        try await server.serve(instance: "demo-api-1", namespace: namespace, networks: ["demo_default"])
        #expect(server.endpoint(of: "demo-api-1") == DNSServer.Endpoint(binding: .direct, udpPort: 53, tcpPort: 53))
        for transport in NamespaceDNSClient.Transport.allCases {
            #expect(Self.addresses(try await NamespaceDNSClient.ask("postgres", over: transport, in: namespace)) == [Self.postgres])
        }
        #expect(try await !Self.ruleset(in: namespace).contains(ResolverRedirect.table))
        await server.stopAll()
        close(namespace)
        try await group.shutdownGracefully()
    }

    @Test func anAddressAlreadyTakenOrANonNamespaceIsAClearErrorAndServesNothing() async throws {
        try await Self.withServer { server, namespace, _ in
            try await server.serve(instance: "demo-api-1", namespace: namespace, networks: ["demo_default"])
            // Binding 53 directly (no nftables NAT), a workload that has the port already wins.
            let workload = try await Self.workloadListening(on: "0.0.0.0", in: namespace)
            defer { close(workload.udp); close(workload.tcp) }
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let second = DNSServer(group: group, upstreams: [], binding: .direct, logger: Logger(label: "aicore.dns.test"))
            let taken = await #expect(throws: AICoreError.self) {
                try await second.serve(instance: "demo-api-1", namespace: namespace, networks: [])
            }
            #expect(taken?.message == "cannot bind 127.0.0.11:53/udp: Address already in use")
            #expect(second.servedInstances.isEmpty)

            let notANamespace = open("/dev/null", O_RDONLY | O_CLOEXEC)
            let wrong = await #expect(throws: AICoreError.self) {
                try await second.serve(instance: "demo-api-2", namespace: notANamespace, networks: [])
            }
            close(notANamespace)
            #expect(wrong?.message == "cannot enter the network namespace: Invalid argument")
            #expect(second.servedInstances.isEmpty)
            try await group.shutdownGracefully()
            // The first is untouched.
            #expect(Self.addresses(try await NamespaceDNSClient.ask("postgres", in: namespace)) == [Self.postgres])
        }
    }

    @Test func garbageDoesNotStopTheResolver() async throws {
        try await Self.withServer { server, namespace, _ in
            try await server.serve(instance: "demo-api-1", namespace: namespace, networks: ["demo_default"])
            var generator = SeededGenerator(seed: 0xBAD)
            for _ in 0..<200 {
                let bytes = (0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                try await NamespaceDNSClient.send(bytes, in: namespace)
            }
            // A header with a name that loops: FORMERR, with the query's ID.
            let loop: [UInt8] = [0xAB, 0xCD, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0x61, 0xC0, 12, 0, 1, 0, 1]
            let refused = try DNSMessage(decoding: try await NamespaceDNSClient.exchange(loop, over: .tcp, in: namespace))
            #expect(refused.id == 0xABCD && refused.responseCode == .formatError)
            #expect(Self.addresses(try await NamespaceDNSClient.ask("postgres", in: namespace)) == [Self.postgres])
        }
    }

    /// glibc's own resolver, as a program in an instance uses it: `getent` in the namespace with
    /// the resolv.conf an instance gets (bind-mounted in a mount namespace of its own).
    @Test func glibcResolvesOurNamesAndForwardedOnes() async throws {
        try await Self.withServer { server, namespace, _ in
            try await server.serve(instance: "demo-api-1", namespace: namespace, networks: ["demo_default"])
            let directory = try TemporaryDirectory("dns-glibc")
            let resolvConf = directory.file("resolv.conf")
            try FileIO.write(resolvConf, ResolvConf.instanceFile(hostSearch: []))
            func getent(_ names: [String]) async throws -> ChildProcess.Output {
                let script = "conf=$0 netns=$1; shift; mount --bind \"$conf\" /etc/resolv.conf && exec nsenter --net=\"$netns\" getent hosts \"$@\""
                let netns = "/proc/\(getpid())/fd/\(namespace)"
                return try await offload {
                    try ChildProcess.run("/usr/bin/unshare", ["--mount", "--propagation", "private", "/bin/sh", "-c", script,
                                                             resolvConf, netns] + names, timeout: .seconds(60))
                }
            }
            // AAAA first (NODATA, at once), then A.
            let found = try await getent(["postgres", "demo-postgres-1", "outside.example"])
            #expect(found.status == 0, "\(found.stderr)")
            #expect(found.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) } == [
                ["10.220.0.5", "postgres"], ["10.220.0.5", "demo-postgres-1"], ["192.0.2.1", "outside.example"],
            ])
            let missing = try await getent(["secret"])
            #expect(missing.status == 2 && missing.stdout.isEmpty, "\(missing)")
            await directory.remove()
        }
    }
}
