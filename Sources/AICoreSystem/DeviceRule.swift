/// One entry of an instance's device allowlist: which devices its processes may create (mknod),
/// read and write. Everything not listed is refused (v1 `devices.deny a`, v2 a cgroup device
/// BPF program), whatever capabilities or device nodes a workload gets hold of.
public struct DeviceRule: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Character, Sendable, Hashable {
        case any = "a", block = "b", char = "c"
    }

    public struct Access: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        // The bits of the cgroup device BPF context (BPF_DEVCG_ACC_*).
        public static let mknod = Access(rawValue: 1)
        public static let read = Access(rawValue: 2)
        public static let write = Access(rawValue: 4)
        public static let all: Access = [.mknod, .read, .write]
    }

    public var kind: Kind
    /// nil: any.
    public var major: Int64?
    public var minor: Int64?
    public var access: Access

    public init(_ kind: Kind, _ major: Int64?, _ minor: Int64?, _ access: Access) {
        self.kind = kind
        self.major = major
        self.minor = minor
        self.access = access
    }

    /// The v1 `devices.allow` line: `c 1:3 rwm`, `b *:* m`.
    public var description: String {
        let number = { (value: Int64?) in value.map(String.init) ?? "*" }
        var letters = ""
        if access.contains(.read) { letters += "r" }
        if access.contains(.write) { letters += "w" }
        if access.contains(.mknod) { letters += "m" }
        return "\(kind.rawValue) \(number(major)):\(number(minor)) \(letters)"
    }

    /// runc's and Docker's default: any node may be made (`mknod`, which CAP_MKNOD allows), but
    /// only these may be opened: null, zero, full, random, urandom, tty, console, ptmx and the
    /// pseudo-terminals. A block device, /dev/kmem or /dev/kmsg made anywhere stays unusable.
    public static let defaultAllowlist: [DeviceRule] = [
        DeviceRule(.char, nil, nil, .mknod),
        DeviceRule(.block, nil, nil, .mknod),
        DeviceRule(.char, 1, 3, .all),     // null
        DeviceRule(.char, 1, 5, .all),     // zero
        DeviceRule(.char, 1, 7, .all),     // full
        DeviceRule(.char, 1, 8, .all),     // random
        DeviceRule(.char, 1, 9, .all),     // urandom
        DeviceRule(.char, 5, 0, .all),     // tty
        DeviceRule(.char, 5, 1, .all),     // console
        DeviceRule(.char, 5, 2, .all),     // ptmx
        DeviceRule(.char, 136, nil, .all), // pts/*
    ]
}
