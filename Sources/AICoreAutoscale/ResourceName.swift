/// A reservable resource such as CPU or memory.
///
/// CPU is special: its samples are distorted while a replica starts, so readiness rules apply to it
/// that do not apply to any other resource.
public struct ResourceName: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let cpu = ResourceName(rawValue: "cpu")
    public static let memory = ResourceName(rawValue: "memory")

    public var description: String { rawValue }
}
