import AICoreSystem
import CAICoreSystemd

#if canImport(Glibc)
import Glibc
#endif

/// The host's systemd journal (journald's native protocol, through libsystemd).
public enum SystemJournal {
    /// Sends one entry of `NAME=value` fields. Blocking (a datagram to journald's socket): call
    /// it from a thread of its own.
    public static func send(_ fields: [String]) throws(SystemError) {
        // One buffer holds every field, so one pinned pointer serves all the iovecs.
        var bytes: [UInt8] = []
        var ranges: [(offset: Int, count: Int)] = []
        for field in fields {
            ranges.append((bytes.count, field.utf8.count))
            bytes.append(contentsOf: field.utf8)
        }
        let rc = bytes.withUnsafeMutableBytes { buffer -> Int32 in
            let list = ranges.map { range in iovec(iov_base: buffer.baseAddress.map { UnsafeMutableRawPointer($0 + range.offset) }, iov_len: range.count) }
            return list.withUnsafeBufferPointer { aic_sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
        if rc < 0 { throw .errno(-rc, "sd_journal_sendv (\(fields.count) fields)") }
    }
}
