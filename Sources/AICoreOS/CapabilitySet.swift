import CAICoreShim

/// A set of Linux capabilities as a bit mask (capability numbers 0...63).
public struct CapabilitySet: Sendable, Hashable, CustomStringConvertible {
    public var bits: UInt64

    public init(bits: UInt64 = 0) { self.bits = bits }

    public init(_ numbers: [Int]) {
        bits = 0
        for n in numbers where (0..<64).contains(n) { bits |= 1 << UInt64(n) }
    }

    public static let empty = CapabilitySet()

    public func contains(_ number: Int) -> Bool {
        (0..<64).contains(number) && bits & (1 << UInt64(number)) != 0
    }

    public mutating func insert(_ number: Int) {
        if (0..<64).contains(number) { bits |= 1 << UInt64(number) }
    }

    public mutating func remove(_ number: Int) {
        if (0..<64).contains(number) { bits &= ~(1 << UInt64(number)) }
    }

    public var numbers: [Int] { (0..<64).filter { contains($0) } }

    /// Canonical upper-case names, e.g. ["CAP_CHOWN", "CAP_KILL"].
    public var names: [String] { numbers.map { Capability.name(of: $0) } }

    public var description: String { names.joined(separator: ",") }

    /// The capabilities of a root workload: Docker's 14 defaults less `CAP_NET_RAW`, as
    /// containerd 2.x and Kubernetes' restricted profile drop it (raw and packet sockets on the
    /// host network sniff and spoof every stack's traffic). `cap_add: [NET_RAW]` gives it back.
    public static let rootDefaultNames = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ]

    public static var rootDefault: CapabilitySet {
        CapabilitySet(rootDefaultNames.compactMap { Capability.number(named: $0) })
    }

    /// Every capability this kernel knows.
    public static var all: CapabilitySet {
        CapabilitySet(Array(0...Capability.lastCapability))
    }

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Docker's rule: root gets the default set (`rootDefault`), any other user none; then `--cap-drop`
    /// (`ALL` allowed) and `--cap-add` (`ALL` allowed) apply, add winning over drop.
    public static func resolve(uid: UInt32, add: [String], drop: [String]) throws(ParseError) -> CapabilitySet {
        var set: CapabilitySet = uid == 0 ? .rootDefault : .empty
        for name in drop {
            if name.uppercased() == "ALL" { set = .empty; continue }
            guard let n = Capability.number(named: name) else {
                throw ParseError(description: "unknown capability \"\(name)\" in --cap-drop")
            }
            set.remove(n)
        }
        for name in add {
            if name.uppercased() == "ALL" { set = .all; continue }
            guard let n = Capability.number(named: name) else {
                throw ParseError(description: "unknown capability \"\(name)\" in --cap-add")
            }
            set.insert(n)
        }
        return set
    }
}

/// Capability names and numbers, from libcap.
public enum Capability {
    /// "CAP_NET_ADMIN", "net_admin" or "NET_ADMIN" → 12.
    public static func number(named name: String) -> Int? {
        let n = aic_cap_from_name(name)
        return n < 0 ? nil : Int(n)
    }

    public static func name(of number: Int) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let rc = buffer.withUnsafeMutableBufferPointer { aic_cap_name(Int32(number), $0.baseAddress, $0.count) }
        guard rc == 0 else { return "CAP_\(number)" }
        let text = buffer.withUnsafeBufferPointer { ptr in
            String(decoding: ptr.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return text.uppercased()
    }

    /// The highest capability number this kernel knows (/proc/sys/kernel/cap_last_cap).
    /// The kernel's, read once (/proc/sys/kernel/cap_last_cap does not change while it runs).
    public static let lastCapability: Int = Int(aic_cap_last_cap())
}
