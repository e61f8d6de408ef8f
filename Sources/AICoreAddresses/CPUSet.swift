/// A set of CPUs in the kernel's list format (`0-3,6`: `cpuset.cpus`, `/sys/devices/system/cpu/online`).
/// One value for what a stack file writes (`cpuset`, checked by the loader), what the kernel
/// writes back and what a cgroup is given, so the three read the syntax the same way.
public struct CPUSet: Sendable, Hashable, CustomStringConvertible {
    /// The CPUs the host has online.
    public static let onlineFile = "/sys/devices/system/cpu/online"

    public var cpus: Set<Int>

    public init(_ cpus: Set<Int>) {
        self.cpus = cpus
    }

    /// nil for anything but comma-separated numbers and ascending ranges (surrounding
    /// whitespace, such as the kernel's newline, is fine).
    public init?(parsing text: String) {
        var cpus = Set<Int>()
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" }
        let trimmed = text.drop(while: blank).reversed().drop(while: blank).reversed()
        for part in String(trimmed).split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), bounds.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) }),
                  let low = Int(bounds[0]), let high = Int(bounds[bounds.count - 1]), low >= 0, low <= high, high < 8192
            else { return nil }
            cpus.formUnion(low...high)
        }
        guard !cpus.isEmpty else { return nil }
        self.cpus = cpus
    }

    /// Ascending, ranges merged: `0-2,5`.
    public var description: String {
        var ranges: [String] = []
        var sorted = cpus.sorted()[...]
        while let first = sorted.popFirst() {
            var last = first
            while sorted.first == last + 1 { last = sorted.removeFirst() }
            ranges.append(first == last ? "\(first)" : "\(first)-\(last)")
        }
        return ranges.joined(separator: ",")
    }
}
