/// The cgroup API a manager speaks: v1 (one hierarchy per controller) or v2 (the unified hierarchy).
public enum CgroupVersion: String, Sendable, Hashable, CustomStringConvertible {
    case v1, v2

    public var description: String { rawValue }
}
