import Foundation

/// Who answers: the host name (the instance's UTS name under aicore-node) and the process id.
public struct InstanceIdentity: Codable, Equatable, Sendable {
    public var hostname: String
    public var pid: Int32

    public static func current() -> InstanceIdentity {
        var buffer = [CChar](repeating: 0, count: 256)
        let name = gethostname(&buffer, buffer.count) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            : "unknown"
        return InstanceIdentity(hostname: name, pid: getpid())
    }
}
