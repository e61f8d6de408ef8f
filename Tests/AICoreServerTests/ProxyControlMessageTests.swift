import AICoreErrors
import Foundation
import Testing
@testable import AICoreServer

/// The proxy process's control protocol: one JSON message per line, both ways.
@Suite struct ProxyControlMessageTests {
    static let route = ServiceRoute(
        name: "shop/api:3000", stack: "shop", service: "api", target: 3000,
        listeners: [ProxyAddress(host: "10.22.0.2", port: 3000), ProxyAddress(host: "::", port: 8080)],
        backends: [ProxyBackend(id: "shop-api-1", host: "10.22.0.5", port: 3000), ProxyBackend(id: "shop-api-2", host: "fd00::7", port: 3000)],
        balance: .leastConnections, connect: .onAccept)
    static let datagrams = ServiceRoute(
        name: "shop/dns:53/udp", stack: "shop", service: "dns", target: 53,
        listeners: [ProxyAddress(host: "10.22.0.3", port: 53), ProxyAddress(host: "127.0.0.1", port: 5353)],
        backends: [ProxyBackend(id: "shop-dns-1", host: "10.22.0.6", port: 53)], transport: .udp)

    @Test(arguments: [
        ProxyControlMessage.hello(ProxyHello(protocolVersion: 2, version: "0.1.0", pid: 42)),
        .serve(id: 7, routes: [route]),
        .serve(id: 2, routes: [route, datagrams]),
        .serve(id: 1, routes: []),
        .update(route: "shop/api:3000", backends: route.backends),
        .refresh(id: 9),
        .served(id: 7, error: nil),
        .served(id: 8, error: ProxyControlFailure(AICoreError(.listenFailed, "cannot listen on 0.0.0.0:80: Address already in use"))),
        .stats([ProxyRouteStats(route: "shop/api:3000", activeConnections: 1, totalConnections: 4, bytesIn: 10, bytesOut: 20,
                                backends: [ProxyBackendStats(backend: route.backends[0], inRotation: false, activeConnections: 1)])]),
    ])
    func aMessageIsOneLineAndDecodesToItself(_ message: ProxyControlMessage) throws {
        let line = try message.line()
        #expect(line.last == UInt8(ascii: "\n"))
        #expect(line.dropLast().contains(UInt8(ascii: "\n")) == false)
        #expect(try ProxyControlMessage.decode(line.dropLast()) == message)
    }

    @Test func routesKeepEveryFieldTheProxyServes() throws {
        let decoded = try ProxyControlMessage.decode(ProxyControlMessage.serve(id: 3, routes: [Self.route, Self.datagrams]).line().dropLast())
        guard case let .serve(id, routes) = decoded else {
            Issue.record("decoded as \(decoded)")
            return
        }
        #expect(id == 3)
        #expect(routes.map(\.proxyRoute) == [Self.route.proxyRoute, Self.datagrams.proxyRoute])
        #expect(routes.map(\.proxyRoute.transport) == [.tcp, .udp])
        #expect(String(decoding: try JSONEncoder().encode(Self.route.balance), as: UTF8.self) == "\"least_connections\"")
    }

    /// A proxy process started by an agent from before UDP routes (it outlives an agent upgrade)
    /// sends and takes routes without `transport`: they are TCP.
    @Test func aRouteWithoutTransportIsTCP() throws {
        let line = #"{"serve":{"id":4,"routes":[{"name":"shop/api:3000","stack":"shop","service":"api","target":3000,"#
            + #""listeners":[{"host":"0.0.0.0","port":3000}],"backends":[],"balance":"round_robin","connect":"on_first_data"}]}}"#
        guard case let .serve(_, routes) = try ProxyControlMessage.decode(Data(line.utf8)) else {
            Issue.record("not a serve")
            return
        }
        #expect(routes.map(\.transport) == [.tcp])
    }

    /// Every later agent reads it to tell what it found: this shape, and whatever a newer proxy
    /// adds to it.
    @Test func helloKeepsItsShape() throws {
        let hello = ProxyControlMessage.hello(ProxyHello(protocolVersion: 2, version: "0.1.0", pid: 42))
        let written = try JSONSerialization.jsonObject(with: hello.line()) as? NSDictionary
        let expected = try JSONSerialization.jsonObject(with: Data(#"{"hello":{"_0":{"pid":42,"protocol":2,"version":"0.1.0"}}}"#.utf8))
        #expect(written == expected as? NSDictionary)
        let newer = #"{"hello":{"_0":{"protocol":3,"version":"0.9.0","pid":7,"features":["quic"]}}}"#
        #expect(try ProxyControlMessage.decode(Data(newer.utf8)) == .hello(ProxyHello(protocolVersion: 3, version: "0.9.0", pid: 7)))
    }

    @Test func aFailureComesBackAsTheSameErrorCode() {
        let failure = ProxyControlFailure(AICoreError(.invalidRoutes, "route s/a:1 is given twice"))
        #expect(failure.error.code == .invalidRoutes)
        #expect(failure.error.message == "route s/a:1 is given twice")
    }

    @Test func aLineThatIsNotAMessageIsAProtocolViolation() {
        let error = #expect(throws: AICoreError.self) { try ProxyControlMessage.decode(Data("{\"reboot\":{}}".utf8)) }
        #expect(error?.code == .protocolViolation)
    }
}
