/// One property of a transient unit, as `StartTransientUnit` takes it: a name and a typed value.
public enum SystemdUnitProperty: Sendable, Hashable, CustomStringConvertible {
    case string(String, String)
    case bool(String, Bool)
    case uint64(String, UInt64)
    /// `PIDs`: the processes the scope is made around.
    case pids(String, [UInt32])
    /// A byte array (`AllowedCPUs`: bit N of byte N/8 is CPU N).
    case bytes(String, [UInt8])
    /// Device paths with a number each (`IODeviceWeight`, `IOReadBandwidthMax`, …).
    case pathValues(String, [PathValue])

    public struct PathValue: Sendable, Hashable {
        public var path: String
        public var value: UInt64
        public init(_ path: String, _ value: UInt64) {
            self.path = path
            self.value = value
        }
    }

    public var name: String {
        switch self {
        case .string(let name, _), .bool(let name, _), .uint64(let name, _), .pids(let name, _), .bytes(let name, _),
             .pathValues(let name, _): name
        }
    }

    /// `Name=value`, as `systemctl show` would print it (numbers raw).
    public var description: String {
        switch self {
        case .string(let name, let value): "\(name)=\(value)"
        case .bool(let name, let value): "\(name)=\(value ? "yes" : "no")"
        case .uint64(let name, let value): "\(name)=\(value == .max ? "infinity" : String(value))"
        case .pids(let name, let pids): "\(name)=\(pids.map(String.init).joined(separator: " "))"
        case .bytes(let name, let bytes): "\(name)=\(bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined())"
        case .pathValues(let name, let pairs): "\(name)=\(pairs.map { "\($0.path) \($0.value)" }.joined(separator: ", "))"
        }
    }
}
