import Foundation

/// A set of CPUs in the kernel's list format (`0-3,6`, as in `cpuset.cpus` and
/// `/sys/devices/system/cpu/online`). Written back canonical: ascending, ranges merged.
public struct CPUList: Sendable, Hashable, CustomStringConvertible {
    public var cpus: Set<Int>

    /// The kernel's limit on CPU numbers (NR_CPUS is at most 8192).
    static let limit = 8192

    public init?(parsing text: String) {
        var cpus = Set<Int>()
        for part in text.trimmingCharacters(in: .whitespaces).split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), bounds.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) }),
                  let low = Int(bounds[0]), let high = Int(bounds[bounds.count - 1]), low >= 0, low <= high, high < Self.limit
            else { return nil }
            cpus.formUnion(low...high)
        }
        guard !cpus.isEmpty else { return nil }
        self.cpus = cpus
    }

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
