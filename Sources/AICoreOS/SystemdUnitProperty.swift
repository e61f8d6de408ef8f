/// One property of a transient unit, as `StartTransientUnit` takes it: a name and a typed value.
public enum SystemdUnitProperty: Sendable, Hashable, CustomStringConvertible {
    case string(String, String)
    case bool(String, Bool)
    case uint64(String, UInt64)
    /// `PIDs`: the processes the scope is made around.
    case pids(String, [UInt32])

    public var name: String {
        switch self {
        case .string(let name, _), .bool(let name, _), .uint64(let name, _), .pids(let name, _): name
        }
    }

    /// `Name=value`, as `systemctl show` would print it (numbers raw).
    public var description: String {
        switch self {
        case .string(let name, let value): "\(name)=\(value)"
        case .bool(let name, let value): "\(name)=\(value ? "yes" : "no")"
        case .uint64(let name, let value): "\(name)=\(value == .max ? "infinity" : String(value))"
        case .pids(let name, let pids): "\(name)=\(pids.map(String.init).joined(separator: " "))"
        }
    }
}
