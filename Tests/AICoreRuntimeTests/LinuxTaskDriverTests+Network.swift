import AICoreAddresses
import AICoreErrors
import AICoreNetwork
import AICoreSystem
import AICoreTestSupport
import Testing
@testable import AICoreRuntime

#if canImport(Glibc)
import Glibc
#endif

/// An instance on a bridge: its own network namespace, joined to a bridge that lives in a
/// namespace this test makes (never the host's), by a veth the driver sets up before the
/// workload starts.
extension LinuxTaskDriverTests {
    @Test func anInstanceOnTwoBridgesStartsWithItsAddressesAndOneDefaultRouteAndReachesTheBridge() async throws {
        let side = try await NetworkNamespace.runInNew { () throws(AICoreError) -> Int32 in try NetworkNamespace.openCurrent() }
        defer { close(side) }
        let gateway = try #require(IPv4Address("10.220.0.1"))
        let address = try #require(IPv4Address("10.220.0.2"))
        let listener = try await NetworkNamespace.run(in: side) { () throws(AICoreError) -> Int32 in
            try Netlink.addBridge("aic-rt0", mac: [0x02, 0x42, 0x0a, 0xdc, 0x00, 0x01], mtu: 1400)
            try Netlink.addAddress(gateway, prefix: 24, to: "aic-rt0")
            try Netlink.setLink("aic-rt0", up: true)
            try Netlink.addBridge("aic-rt1", mac: [0x02, 0x42, 0x0a, 0xdd, 0x00, 0x01], mtu: 1400)
            try Netlink.addAddress(IPv4Address("10.221.0.1")!, prefix: 24, to: "aic-rt1")
            try Netlink.setLink("aic-rt1", up: true)
            return try NamespaceTCP.listen(on: gateway)
        }
        defer { close(listener) }
        let port = try NamespaceTCP.port(of: listener)
        let bridged = try LinuxTaskDriver(configuration: .init(stateRoot: stateDir + "/bridged", bridgeNamespace: side))
        let name = TestEnvironment.uniqueName("bridged")
        var spec = spec(name, ["/usr/bin/python3", "-c", """
            import socket
            s = socket.create_connection(("10.220.0.1", \(port)), 10)
            s.sendall(open("/proc/net/route").read().encode() + open("/sys/class/net/eth0/mtu").read().encode())
            """])
        spec.network = .bridge([
            TaskSpec.BridgeAttachment(bridge: "aic-rt0", hostInterface: "veth-\(name.suffix(8))",
                                      address: address, prefix: 24, gateway: gateway, mtu: 1400),
            TaskSpec.BridgeAttachment(bridge: "aic-rt1", hostInterface: "vb-\(name.suffix(8))", interface: "backend",
                                      address: IPv4Address("10.221.0.7")!, prefix: 24, gateway: IPv4Address("10.221.0.1")!,
                                      mtu: 1400, defaultRoute: false),
        ])
        let handle = try await bridged.startRemovedAfterTest(spec)
        let received = try await offload { try NamespaceTCP.acceptAndRead(listener) }
        // Its default route goes via the bridge's address (the kernel prints it little-endian).
        #expect(received.contains("eth0\t00000000\t0100DC0A"), "\(received)")
        #expect(received.contains("eth0\t0000DC0A\t00000000"), "\(received)")
        // The second network: its subnet on its own interface, and no second default route.
        #expect(received.contains("backend\t0000DD0A\t00000000"), "\(received)")
        #expect(!received.contains("backend\t00000000"), "\(received)")
        #expect(received.hasSuffix("1400\n"), "\(received)")
        #expect(try await bridged.wait(handle).status == .exited(0))

        // The veth went with the instance's namespace (or is removed at its next start).
        try await offload { try bridged.remove(handle) }
        try await waitUntil("the veth is gone with the instance's namespace", within: .seconds(10)) {
            (try? await NetworkNamespace.run(in: side) { () throws(AICoreError) -> Bool in try Netlink.linkIndex("veth-\(name.suffix(8))") == nil }) == true
        }
    }

    @Test func aBridgeThatDoesNotExistFailsTheStartAndLeavesNothing() async throws {
        let side = try await NetworkNamespace.runInNew { () throws(AICoreError) -> Int32 in try NetworkNamespace.openCurrent() }
        defer { close(side) }
        let bridged = try LinuxTaskDriver(configuration: .init(stateRoot: stateDir + "/bridged", bridgeNamespace: side))
        let name = TestEnvironment.uniqueName("nobridge")
        var spec = spec(name, ["/bin/true"])
        spec.network = .bridge([TaskSpec.BridgeAttachment(bridge: "aic-absent0", hostInterface: "veth-\(name.suffix(8))",
                                                          address: IPv4Address("10.220.0.2")!, prefix: 24, gateway: IPv4Address("10.220.0.1")!)])
        let error = await #expect(throws: AICoreError.self) { try await bridged.startRemovedAfterTest(spec) }
        #expect(error?.message.contains("no network link aic-absent0") == true, "\(String(describing: error?.message))")
        #expect(cgroupLeftovers("aicore/test/\(name)").isEmpty)
        #expect(processesMentioning(name).isEmpty)
    }

    @Test func anInstanceThatJoinsAnothersNamespaceSharesItsLoopback() async throws {
        let first = TestEnvironment.uniqueName("netowner")
        var owner = spec(first, ["/usr/bin/python3", "-c", """
            import socket
            s = socket.socket()
            s.bind(("127.0.0.1", 7000))
            s.listen(1)
            c, _ = s.accept()
            c.sendall(b"owner")
            c.close()
            """])
        owner.network = .none
        let ownerHandle = try await driver.startRemovedAfterTest(owner)
        var joiner = spec(TestEnvironment.uniqueName("netjoiner"), ["/usr/bin/python3", "-c", """
            import socket, sys, time
            for _ in range(200):
                try:
                    sys.exit(0 if socket.create_connection(("127.0.0.1", 7000), 5).recv(10) == b"owner" else 2)
                except ConnectionRefusedError:
                    time.sleep(0.05)
            sys.exit(3)
            """])
        joiner.network = .joining(instance: first)
        let joinerHandle = try await driver.startRemovedAfterTest(joiner)
        #expect(try await driver.wait(joinerHandle).status == .exited(0), "the joiner reached the owner's 127.0.0.1")
        #expect(try await driver.wait(ownerHandle).status == .exited(0))
    }

    @Test func joiningAnInstanceThatIsNotRunningFailsTheStart() async throws {
        var joiner = spec(TestEnvironment.uniqueName("netorphan"), ["/bin/true"])
        joiner.network = .joining(instance: "never-started")
        let error = await #expect(throws: AICoreError.self) { try await driver.startRemovedAfterTest(joiner) }
        #expect(error?.message == "it shares the network of instance never-started, which is not running")

        // An owner whose process has exited: its record stays, its pid names nothing of it.
        let gone = TestEnvironment.uniqueName("netgone")
        var owner = spec(gone, ["/bin/true"])
        owner.network = .none
        let ownerHandle = try await driver.startRemovedAfterTest(owner)
        _ = try await driver.wait(ownerHandle)
        joiner.network = .joining(instance: gone)
        let exited = await #expect(throws: AICoreError.self) { try await driver.startRemovedAfterTest(joiner) }
        #expect(exited?.message == "it shares the network of instance \(gone), which is not running")
    }

    /// A pid written down earlier may by now be any process's, the host's included: its start
    /// time tells it apart, and its namespace is never joined.
    @Test func aRecordedPidThatAnotherProcessNowHasIsNeverJoined() async throws {
        let owner = TestEnvironment.uniqueName("netreused")
        var spec = spec(owner, ["/bin/sleep", "60"])
        spec.network = .none
        let handle = try await driver.startRemovedAfterTest(spec)
        defer { try? driver.signal(handle, SIGKILL) }
        // The record now names this test's own process (in the host's namespace), with the
        // owner's start time: as if the owner had died and its pid gone to a host process.
        var record = try TaskRecord.read(stateDirectory: handle.stateDirectory)
        record.pid = getpid()
        try record.write()
        var joiner = self.spec(TestEnvironment.uniqueName("netthief"), ["/bin/true"])
        joiner.network = .joining(instance: owner)
        let error = await #expect(throws: AICoreError.self) { try await driver.startRemovedAfterTest(joiner) }
        #expect(error?.message == "it shares the network of instance \(owner), which is not running")
    }
}
