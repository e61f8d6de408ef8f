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

    @Test(arguments: [
        ProxyControlMessage.serve(id: 7, routes: [route]),
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
        let decoded = try ProxyControlMessage.decode(ProxyControlMessage.serve(id: 3, routes: [Self.route]).line().dropLast())
        guard case let .serve(id, routes) = decoded else {
            Issue.record("decoded as \(decoded)")
            return
        }
        #expect(id == 3)
        #expect(routes.map(\.proxyRoute) == [Self.route.proxyRoute])
        #expect(String(decoding: try JSONEncoder().encode(Self.route.balance), as: UTF8.self) == "\"least_connections\"")
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
