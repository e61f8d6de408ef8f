#if canImport(Glibc)
import AICoreSystem
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension CgroupFileIO {
    /// Parses a flat-keyed file (`key value` per line: cpu.stat, memory.events, memory.oom_control,
    /// cgroup.events). Lines whose value is not a number are skipped.
    static func keyedValues(_ text: String) -> [String: UInt64] {
        var values: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 2, let value = UInt64(fields[1]) else { continue }
            values[String(fields[0])] = value
        }
        return values
    }

    /// Reads a file holding one unsigned number (memory.current, cpuacct.usage, pids.current…).
    static func readNumber(_ path: String) throws(SystemError) -> UInt64 {
        let text = try read(path).trimmingWhitespace
        guard let value = UInt64(text) else {
            throw SystemError(code: .malformedFile, operation: "read \(path)", detail: "expected a number, found '\(text)'")
        }
        return value
    }

    /// Like `readNumber`, or nil when the file does not exist.
    static func readNumberIfPresent(_ path: String) throws(SystemError) -> UInt64? {
        guard exists(path) else { return nil }
        do {
            return try readNumber(path)
        } catch where isGone(error) {
            return nil
        }
    }

    /// Reads a keyed file, or an empty dictionary when it does not exist.
    static func readKeyedIfPresent(_ path: String) throws(SystemError) -> [String: UInt64] {
        try readIfPresent(path).map(keyedValues) ?? [:]
    }

    /// Reads cgroup.procs (one pid per line).
    static func readPids(_ path: String) throws(SystemError) -> [pid_t] {
        try read(path).split(separator: "\n").compactMap { pid_t($0.trimmingWhitespace) }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and newlines.
    var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
