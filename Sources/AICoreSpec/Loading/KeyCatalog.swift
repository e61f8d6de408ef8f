/// What aicore-node does with each key of one kind of mapping in a stack file.
///
/// Every key the Compose Specification defines is listed, so none is ever silently dropped:
/// it is implemented, ignored with a warning (ignoring it changes nothing that matters on one
/// host), or unsupported (ignoring it would change behaviour: an error under `--strict` and
/// when the stack is started).
public struct KeyCatalog: Sendable {
    public enum Support: Sendable, Equatable {
        case supported
        case ignored(String)
        case unsupported(String)
    }

    public let name: String
    public let keys: [String: Support]

    public init(_ name: String, _ keys: [String: Support]) {
        self.name = name
        self.keys = keys
    }

    public init(_ name: String, supported: [String], ignored: [String: String] = [:], unsupported: [String: String] = [:]) {
        var keys: [String: Support] = [:]
        for key in supported { keys[key] = .supported }
        for (key, why) in ignored { keys[key] = .ignored(why) }
        for (key, why) in unsupported { keys[key] = .unsupported(why) }
        self.init(name, keys)
    }

    /// The closest known key, for "did you mean" on a typo.
    public func suggestion(for key: String) -> String? {
        let lowered = key.lowercased()
        let scored = keys.keys.map { ($0, EditDistance.between(lowered, $0)) }
        guard let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }) else { return nil }
        let limit = max(1, min(3, key.count / 3))
        return best.1 <= limit ? best.0 : nil
    }
}

enum EditDistance {
    /// Damerau–Levenshtein (optimal string alignment): a swapped pair of letters counts as one edit.
    static func between(_ a: String, _ b: String) -> Int {
        let x = Array(a)
        let y = Array(b)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var table = Array(repeating: Array(repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { table[i][0] = i }
        for j in 0...y.count { table[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[x.count][y.count]
    }
}
