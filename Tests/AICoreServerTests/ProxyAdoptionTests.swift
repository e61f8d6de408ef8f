import Testing
@testable import AICoreServer

/// What an agent does with the proxy process it finds, after an upgrade or a downgrade: drive it
/// when it speaks a protocol the agent speaks, else replace it only while no connection runs
/// through it.
@Suite struct ProxyAdoptionTests {
    typealias Peer = ProxyAdoption.Peer

    @Test func aProxysFirstLineTellsItsProtocol() {
        let hello = ProxyHello(protocolVersion: 2, version: "0.2.0", pid: 42)
        #expect(Peer(firstMessage: .hello(hello)) == Peer(protocolVersion: 2, version: "0.2.0", pid: 42))
        // Protocol 1 proxies, older than the handshake, begin with a counters push.
        #expect(Peer(firstMessage: .stats([])) == Peer(protocolVersion: 1))
        // A line this build cannot read, or a message only an agent sends: nothing it can drive.
        #expect(Peer(firstMessage: nil).protocolVersion == nil)
        #expect(Peer(firstMessage: .served(id: 1, error: nil)).protocolVersion == nil)
    }

    @Test(arguments: [1, 2])
    func aProxySpeakingAProtocolThisAgentSpeaksIsDrivenWhateverItCarries(_ version: Int) {
        #expect(ProxyAdoption.decide(Peer(protocolVersion: version), openConnections: nil, speaking: 2, oldest: 1) == .drive)
        #expect(ProxyAdoption.decide(Peer(protocolVersion: version), openConnections: 5, speaking: 2, oldest: 1) == .drive)
    }

    @Test(arguments: [Peer(protocolVersion: 3, version: "9.0.0", pid: 7), Peer(protocolVersion: 1), Peer(protocolVersion: nil)])
    func aProxyThisAgentCannotDriveIsReplacedOnlyWithoutConnections(_ peer: Peer) {
        // Here the agent speaks 2 only: a newer proxy (a downgraded agent), an older one, or an unreadable one.
        let idle = ProxyAdoption.decide(peer, openConnections: 0, speaking: 2, oldest: 2)
        guard case let .replace(reason) = idle else {
            Issue.record("an idle proxy it cannot drive is replaced, not \(idle)")
            return
        }
        #expect(reason.contains("this agent speaks protocols 2 to 2"))

        for open in [1, nil] as [Int?] {
            let busy = ProxyAdoption.decide(peer, openConnections: open, speaking: 2, oldest: 2)
            guard case let .keep(reason) = busy else {
                Issue.record("a proxy that may carry connections is kept, not \(busy)")
                continue
            }
            #expect(reason.contains(open == nil ? "connections this agent cannot count" : "1 open connection(s)"))
            #expect(reason.contains("keeps serving its current routes"))
        }
    }

    @Test func theReasonNamesWhatRunsAndWhatTheAgentSpeaks() {
        let newer = ProxyAdoption.decide(Peer(protocolVersion: 3, version: "9.0.0", pid: 7), openConnections: 2)
        #expect(newer == .keep(reason: "the proxy process runs aicore-node 9.0.0, control protocol 3; this agent speaks "
                + "protocols \(ProxyHello.oldestDrivenProtocol) to \(ProxyHello.protocolVersion). It carries 2 open "
                + "connection(s), so it keeps serving its current routes, and no route or backend change reaches it, "
                + "until they close (then it is replaced) or it is stopped"))
        #expect(Peer(protocolVersion: 1).description == "an aicore-node older than the version handshake, control protocol 1")
    }

    @Test func thisBuildDrivesItsOwnProxy() {
        #expect(ProxyAdoption.decide(Peer(firstMessage: .hello(.current)), openConnections: nil) == .drive)
    }
}
