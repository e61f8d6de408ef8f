#if canImport(Glibc)
import Glibc
#endif

/// Owns C copies of Swift values handed to the shim for one call. The clone3 child reads them
/// from its copy-on-write copy of our memory, so they only need to live until clone returns.
final class CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit {
        for p in allocations { free(p) }
    }

    func string(_ s: String) -> UnsafeMutablePointer<CChar> {
        let p = strdup(s) ?? UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        allocations.append(UnsafeMutableRawPointer(p))
        return p
    }

    func optionalString(_ s: String?) -> UnsafePointer<CChar>? {
        s.map { UnsafePointer(string($0)) }
    }

    /// A NULL-terminated array of C strings (argv/envp).
    func stringArray(_ strings: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let p = array(strings.map { Optional(string($0)) } + [nil])
        return p
    }

    func array<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let raw = malloc(max(1, values.count) * MemoryLayout<T>.stride) ?? UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)
        allocations.append(raw)
        let p = raw.bindMemory(to: T.self, capacity: max(1, values.count))
        for (i, v) in values.enumerated() { (p + i).initialize(to: v) }
        return p
    }
}
