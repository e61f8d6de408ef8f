import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Keeps the OOM-kill count of cgroups that may be gone before the agent reads them: systemd
/// removes an instance scope's cgroup as soon as its last process exits, which can be before
/// the agent, woken by the init's exit, reads `memory.events`. The kernel reports every change of
/// that file as a modification; one thread (started with the first watch) reads the file on each
/// and keeps the count, which outlives the cgroup. Best effort: without inotify the file is read
/// at the end only, as before.
final class CgroupOOMWatch: Sendable {
    static let shared = CgroupOOMWatch()

    private struct State {
        var fd: Int32 = -1
        /// Watch descriptor → the memory.events file it watches.
        var files: [Int32: String] = [:]
        /// memory.events file → the largest `oom_kill` read from it.
        var counts: [String: UInt64] = [:]
    }

    private let state = Mutex(State())

    /// Watches `directory`/memory.events and reads it once now.
    func watch(_ directory: String) {
        let file = directory + "/memory.events"
        let started: Int32? = state.withLock { state in
            var started: Int32?
            if state.fd < 0 {
                let fd = inotify_init1(Int32(IN_CLOEXEC))
                guard fd >= 0 else { return nil }
                state.fd = fd
                started = fd
            }
            // A new cgroup of the same name (the instance started again) starts from nothing.
            state.counts[file] = nil
            let wd = inotify_add_watch(state.fd, file, UInt32(IN_MODIFY))
            if wd >= 0 { state.files[wd] = file }
            return started
        }
        if let fd = started, !DetachedThread.start({ CgroupOOMWatch.shared.loop(fd) }) {
            state.withLock { $0.files.removeAll() }
        }
        record(file)
    }

    /// The largest `oom_kill` count seen in `directory`/memory.events while it was watched.
    func oomKills(_ directory: String) -> UInt64? {
        state.withLock { $0.counts[directory + "/memory.events"] }
    }

    /// Stops keeping `directory`'s count (its cgroup is gone for good).
    func forget(_ directory: String) {
        let file = directory + "/memory.events"
        state.withLock { state in
            state.counts[file] = nil
            for (wd, watched) in state.files where watched == file {
                _ = inotify_rm_watch(state.fd, wd)   // EINVAL: the kernel dropped it with the file
                state.files[wd] = nil
            }
        }
    }

    private func record(_ file: String) {
        guard let count = (try? CgroupFileIO.readKeyedIfPresent(file))?["oom_kill"] else { return }
        state.withLock { $0.counts[file] = max($0.counts[file] ?? 0, count) }
    }

    private func loop(_ fd: Int32) {
        let eventSize = MemoryLayout<inotify_event>.size
        var buffer = [UInt8](repeating: 0, count: 64 * (eventSize + 256))
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            var offset = 0
            while offset + eventSize <= n {
                let event = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: inotify_event.self) }
                offset += eventSize + Int(event.len)
                if event.mask & UInt32(IN_IGNORED) != 0 {
                    state.withLock { _ = $0.files.removeValue(forKey: event.wd) }
                    continue
                }
                if event.mask & UInt32(IN_MODIFY) != 0, let file = state.withLock({ $0.files[event.wd] }) {
                    record(file)
                }
            }
        }
    }
}
