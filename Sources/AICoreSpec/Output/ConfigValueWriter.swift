import Foundation
import Yams

/// Writes a `ConfigValue` as YAML or JSON, keeping key order.
public enum ConfigValueWriter {
    public static func yaml(_ value: ConfigValue) -> String {
        // Serializing a tree we built ourselves cannot fail; fall back to JSON (valid YAML) if it ever does.
        (try? Yams.serialize(node: node(value), indent: 2, width: -1, allowUnicode: true, sortKeys: false)) ?? json(value) + "\n"
    }

    private static func node(_ value: ConfigValue) -> Node {
        switch value {
        case .null: return Node("null", .implicit, .plain)
        case .bool(let bool): return Node(bool ? "true" : "false", .implicit, .plain)
        case .int(let int): return Node(String(int), .implicit, .plain)
        case .double(let double): return Node(number(double), .implicit, .plain)
        case .string(let string):
            // A string that would read back as null, a boolean or a number is quoted.
            return Node(string, Tag(.str), needsQuotes(string) ? .doubleQuoted : .any)
        case .list(let items): return Node(items.map(node))
        case .object(let pairs): return Node(pairs.map { (Node($0.0, Tag(.str), .any), node($0.1)) })
        }
    }

    static func needsQuotes(_ string: String) -> Bool {
        if string.isEmpty || Double(string) != nil || Int(string) != nil { return true }
        let lowered = string.lowercased()
        return ["null", "~", "true", "false", "yes", "no", "on", "off", "y", "n"].contains(lowered)
            || string.hasPrefix("0x") || string.hasPrefix("0o")
    }

    private static func number(_ double: Double) -> String {
        if double == double.rounded(), abs(double) < 1e15 { return String(format: "%.1f", double) }
        return String(double)
    }

    public static func json(_ value: ConfigValue) -> String {
        var out = ""
        writeJSON(value, indent: 0, into: &out)
        return out
    }

    private static func writeJSON(_ value: ConfigValue, indent: Int, into out: inout String) {
        let pad = String(repeating: "  ", count: indent + 1)
        let closePad = String(repeating: "  ", count: indent)
        switch value {
        case .null: out += "null"
        case .bool(let bool): out += bool ? "true" : "false"
        case .int(let int): out += String(int)
        case .double(let double): out += double.isFinite ? number(double) : "null"
        case .string(let string): out += jsonString(string)
        case .list(let items):
            if items.isEmpty {
                out += "[]"
                return
            }
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += pad
                writeJSON(item, indent: indent + 1, into: &out)
                out += index == items.count - 1 ? "\n" : ",\n"
            }
            out += closePad + "]"
        case .object(let pairs):
            if pairs.isEmpty {
                out += "{}"
                return
            }
            out += "{\n"
            for (index, pair) in pairs.enumerated() {
                out += pad + jsonString(pair.0) + ": "
                writeJSON(pair.1, indent: indent + 1, into: &out)
                out += index == pairs.count - 1 ? "\n" : ",\n"
            }
            out += closePad + "}"
        }
    }

    static func jsonString(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
