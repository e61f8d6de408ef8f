/// An untyped, ordered YAML/JSON value: what `x-` extensions hold and what printing emits.
public indirect enum ConfigValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([ConfigValue])
    /// Keys keep their order, so printed output follows the model's field order.
    case object([(String, ConfigValue)])

    public static func == (lhs: ConfigValue, rhs: ConfigValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.list(let a), .list(let b)): return a == b
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let value): hasher.combine(value)
        case .int(let value): hasher.combine(value)
        case .double(let value): hasher.combine(value)
        case .string(let value): hasher.combine(value)
        case .list(let values): hasher.combine(values)
        case .object(let pairs):
            for (key, value) in pairs {
                hasher.combine(key)
                hasher.combine(value)
            }
        }
    }

    /// Builds a value from YAML, resolving plain scalars the YAML 1.2 core way.
    public init(_ node: YAMLNode) {
        switch node.value {
        case .scalar(let scalar):
            guard scalar.isPlain else {
                self = .string(scalar.text)
                return
            }
            if scalar.isNull {
                self = .null
            } else if ["true", "True", "TRUE"].contains(scalar.text) {
                self = .bool(true)
            } else if ["false", "False", "FALSE"].contains(scalar.text) {
                self = .bool(false)
            } else if let int = Int(scalar.text) {
                self = .int(int)
            } else if let double = Double(scalar.text), scalar.text.contains(where: { $0.isNumber }),
                !scalar.text.lowercased().contains("n")
            {
                self = .double(double)
            } else {
                self = .string(scalar.text)
            }
        case .sequence(let items):
            self = .list(items.map(ConfigValue.init))
        case .mapping(let entries):
            self = .object(entries.map { ($0.key, ConfigValue($0.value)) })
        }
    }
}
