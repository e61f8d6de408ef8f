import AICoreServer
import ArgumentParser

/// `aicore-node routes`: the service proxy's view, where each published port and VIP leads.
struct Routes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the proxy's routes: what each listens on, and the ready replicas it sends traffic to.",
        discussion: """
            The stack of -p, -f or the Compose file here; with none of them, every stack. A route is \
            STACK/SERVICE:TARGET_PORT, with /udp after it for a UDP port, whose connections are \
            sessions (one per client address, ended after 90 s idle). BACKENDS are the replicas in rotation (ready) with the \
            address each listens on; one that left the rotation and still has connections open \
            is marked (draining).
            """
    )

    @OptionGroup var selection: StackSelection

    @Option(name: .long, help: "table or json.")
    var format: Ps.Format = .table

    @OptionGroup var agent: AgentOptions

    func run() async throws {
        let client = try agent.client()
        let stack = try selection.stackFiles.stackName()
        let routes = try await client.call("GET", "/v1/proxy", as: [ProxyRouteStatus].self)
            .filter { stack == nil || $0.stack == stack }
            .sorted { $0.route < $1.route }
        switch format {
        case .json:
            print(try prettyJSON(routes))
        case .table:
            let rows = routes.map { route -> [String] in
                let backends = route.backends.map { "\($0.instance)=\($0.address)" + ($0.inRotation ? "" : " (draining)") }
                return [route.route, route.listeners.joined(separator: ", "), String(route.activeConnections),
                        String(route.totalConnections), String(route.failedConnections),
                        backends.isEmpty ? "none ready" : backends.joined(separator: ", ")]
            }
            print(Table.render(header: ["ROUTE", "LISTEN", "ACTIVE", "TOTAL", "FAILED", "BACKENDS"], rows: rows))
        }
    }
}
