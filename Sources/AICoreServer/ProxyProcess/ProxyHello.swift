import Foundation

/// The proxy process's first line on every control connection: which control protocol it speaks
/// and which aicore-node built it. The proxy outlives agent upgrades, so the agent that connects
/// may be newer or older than the proxy it finds (`ProxyAdoption` decides what it does then).
///
/// Its shape never changes: any later agent must be able to read it to tell what it found.
public struct ProxyHello: Sendable, Hashable, Codable {
    /// The control protocol: 2 is the first with `hello`; 1 (implied) is a proxy whose first line
    /// is `stats`. A new version comes only with a change an older peer would misread.
    public var protocolVersion: Int
    /// `AICoreVersion.current` of the proxy's binary.
    public var version: String
    public var pid: Int32

    /// The protocol this build speaks.
    public static let protocolVersion = 2
    /// The oldest proxy protocol this build's agent drives: protocol 1's messages are protocol
    /// 2's without `hello`.
    public static let oldestDrivenProtocol = 1

    public init(protocolVersion: Int, version: String, pid: Int32) {
        self.protocolVersion = protocolVersion
        self.version = version
        self.pid = pid
    }

    /// This process's, as the proxy says it.
    public static var current: ProxyHello {
        ProxyHello(protocolVersion: protocolVersion, version: AICoreVersion.current, pid: getpid())
    }

    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol"
        case version, pid
    }
}
