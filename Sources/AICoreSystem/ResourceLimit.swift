#if canImport(Glibc)
import Glibc
#endif

/// An rlimit to set on the workload: `--ulimit nofile=1024:4096`.
public struct ResourceLimit: Sendable, Equatable, Hashable {
    public var resource: Int32
    public var name: String
    public var soft: UInt64
    public var hard: UInt64

    public init(resource: Int32, name: String, soft: UInt64, hard: UInt64) {
        self.resource = resource
        self.name = name
        self.soft = soft
        self.hard = hard
    }

    public static let unlimited = UInt64.max

    static let resources: [String: Int32] = [
        "core": Int32(RLIMIT_CORE.rawValue), "cpu": Int32(RLIMIT_CPU.rawValue), "data": Int32(RLIMIT_DATA.rawValue),
        "fsize": Int32(RLIMIT_FSIZE.rawValue), "locks": Int32(__RLIMIT_LOCKS.rawValue),
        "memlock": Int32(__RLIMIT_MEMLOCK.rawValue), "msgqueue": Int32(__RLIMIT_MSGQUEUE.rawValue),
        "nice": Int32(__RLIMIT_NICE.rawValue), "nofile": Int32(RLIMIT_NOFILE.rawValue),
        "nproc": Int32(__RLIMIT_NPROC.rawValue), "rss": Int32(__RLIMIT_RSS.rawValue),
        "rtprio": Int32(__RLIMIT_RTPRIO.rawValue), "rttime": Int32(__RLIMIT_RTTIME.rawValue),
        "sigpending": Int32(__RLIMIT_SIGPENDING.rawValue), "stack": Int32(RLIMIT_STACK.rawValue),
        "as": Int32(RLIMIT_AS.rawValue),
    ]

    /// The limit `name` (as Docker and Compose spell it: `nofile`, `nproc`, …) with Compose's
    /// values, where a negative number means no limit. nil for an unknown name.
    public static func named(_ name: String, soft: Int, hard: Int) -> ResourceLimit? {
        guard let resource = resources[name] else { return nil }
        func value(_ v: Int) -> UInt64 { v < 0 ? unlimited : UInt64(v) }
        return ResourceLimit(resource: resource, name: name, soft: value(soft), hard: value(hard))
    }

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// `name=soft[:hard]`; `-1` or `unlimited` mean no limit; hard defaults to soft.
    public static func parse(_ text: String) throws(ParseError) -> ResourceLimit {
        let kv = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard kv.count == 2, let resource = resources[kv[0]] else {
            throw ParseError(description: "invalid ulimit \"\(text)\": expected NAME=SOFT[:HARD] with NAME one of \(resources.keys.sorted().joined(separator: ", "))")
        }
        let values = kv[1].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard values.count <= 2 else { throw ParseError(description: "invalid ulimit \"\(text)\": too many values") }
        func value(_ s: String) throws(ParseError) -> UInt64 {
            if s == "-1" || s == "unlimited" { return unlimited }
            guard let v = UInt64(s) else { throw ParseError(description: "invalid ulimit value \"\(s)\" in \"\(text)\"") }
            return v
        }
        let soft = try value(values[0])
        let hard = values.count == 2 ? try value(values[1]) : soft
        guard soft <= hard else {
            throw ParseError(description: "invalid ulimit \"\(text)\": soft limit \(soft) is above hard limit \(hard)")
        }
        return ResourceLimit(resource: resource, name: kv[0], soft: soft, hard: hard)
    }
}
