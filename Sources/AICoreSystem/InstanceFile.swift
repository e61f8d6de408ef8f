/// A file the runtime puts into an instance as a copy (a Compose secret or config): its bytes
/// are written into a tmpfs of the instance's own when it starts, and that file is bound
/// read-only at `destination`. The host file it was read from is never bound, so the workload
/// can neither reach it nor see later changes before a restart.
public struct InstanceFile: Sendable, Equatable, Hashable {
    /// Absolute path inside the instance.
    public var destination: String
    public var content: [UInt8]
    /// Permission bits (0400 for secrets, 0444 for configs by default).
    public var mode: UInt32
    /// The owner; nil: the workload's user (and its primary group), resolved in the root.
    public var uid: UInt32?
    public var gid: UInt32?

    public init(destination: String, content: [UInt8], mode: UInt32, uid: UInt32? = nil, gid: UInt32? = nil) {
        self.destination = destination
        self.content = content
        self.mode = mode
        self.uid = uid
        self.gid = gid
    }
}

extension InstanceFile: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Never the content: a secret's value must not reach a log line or a message, also when
    /// a `TaskSpec` holding it is interpolated or dumped whole.
    public var description: String {
        "InstanceFile(\(destination), \(content.count) bytes, mode \(String(mode, radix: 8)))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["destination": destination, "bytes": content.count, "mode": String(mode, radix: 8)])
    }
}
