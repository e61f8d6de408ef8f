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
    @Test func anInstanceOnABridgeStartsWithItsAddressAndRouteAndReachesTheBridge() async throws {
        let side = try await NetworkNamespace.runInNew { () throws(AICoreError) -> Int32 in try NetworkNamespace.openCurrent() }
        defer { close(side) }
        let gateway = try #require(IPv4Address("10.220.0.1"))
        let address = try #require(IPv4Address("10.220.0.2"))
        let listener = try await NetworkNamespace.run(in: side) { () throws(AICoreError) -> Int32 in
            try Netlink.addBridge("aic-rt0", mac: [0x02, 0x42, 0x0a, 0xdc, 0x00, 0x01], mtu: 1400)
            try Netlink.addAddress(gateway, prefix: 24, to: "aic-rt0")
            try Netlink.setLink("aic-rt0", up: true)
            return try RuntimeTestSocket.listen(on: gateway)
        }
        defer { close(listener) }
        let port = try RuntimeTestSocket.port(of: listener)
        let bridged = try LinuxTaskDriver(configuration: .init(stateRoot: stateDir + "/bridged", bridgeNamespace: side))
        let name = TestEnvironment.uniqueName("bridged")
        var spec = spec(name, ["/usr/bin/python3", "-c", """
            import socket
            s = socket.create_connection(("10.220.0.1", \(port)), 10)
            s.sendall(open("/proc/net/route").read().encode() + open("/sys/class/net/eth0/mtu").read().encode())
            """])
        spec.network = .bridge(TaskSpec.BridgeAttachment(bridge: "aic-rt0", hostInterface: "veth-\(name.suffix(8))",
                                                         address: address, prefix: 24, gateway: gateway, mtu: 1400))
        let handle = try await bridged.startRemovedAfterTest(spec)
        let received = try await offload { try RuntimeTestSocket.acceptAndRead(listener) }
        // Its default route goes via the bridge's address (the kernel prints it little-endian).
        #expect(received.contains("eth0\t00000000\t0100DC0A"), "\(received)")
        #expect(received.contains("eth0\t0000DC0A\t00000000"), "\(received)")
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
        spec.network = .bridge(TaskSpec.BridgeAttachment(bridge: "aic-absent0", hostInterface: "veth-\(name.suffix(8))",
                                                         address: IPv4Address("10.220.0.2")!, prefix: 24, gateway: IPv4Address("10.220.0.1")!))
        let error = await #expect(throws: AICoreError.self) { try await bridged.startRemovedAfterTest(spec) }
        #expect(error?.message.contains("no network link aic-absent0") == true, "\(String(describing: error?.message))")
        #expect(cgroupLeftovers("aicore/test/\(name)").isEmpty)
        #expect(processesMentioning(name).isEmpty)
    }
}

/// Blocking IPv4 TCP sockets made in the calling thread's network namespace.
enum RuntimeTestSocket {
    static func fail(_ what: String) -> AICoreError {
        AICoreError(.systemCall, "\(what): \(String(cString: strerror(errno)))")
    }

    static func listen(on ip: IPv4Address) throws(AICoreError) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw fail("socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = ip.value.bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 4) == 0 else { throw fail("bind/listen") }
        return fd
    }

    static func port(of fd: Int32) throws(AICoreError) -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard rc == 0 else { throw fail("getsockname") }
        return UInt16(bigEndian: address.sin_port)
    }

    static func acceptAndRead(_ listener: Int32) throws(AICoreError) -> String {
        let fd = accept(listener, nil, nil)
        guard fd >= 0 else { throw fail("accept") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            bytes += buffer[..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
