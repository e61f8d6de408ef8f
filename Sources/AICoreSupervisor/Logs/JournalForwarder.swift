import AICoreRuntime
import AICoreSystem
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Sends the lines of a `logging: {driver: journald}` instance to the journal.
///
/// The instance's init is static and cannot link libsystemd, so it writes its log file as for
/// `local` (which `aicore-node logs` keeps reading, as Docker's dual-logging cache), and this
/// follows that file from the agent: a dedicated thread sleeps in poll(2) on an inotify
/// descriptor of the log directory, sends each whole new line, and records how far it got in
/// `container.log.journal` beside the log (`inode offset`), after every batch. An agent restart
/// resumes from there, and follows the file through its rotations by inode, so lines written
/// while the agent was away are sent once. An agent killed between a send and its record sends
/// that batch again; lines rotated away before they were sent (the agent away longer than the
/// rotation takes) are reported in the agent's log, not silently skipped.
public final class JournalForwarder: Sendable {
    public static let positionSuffix = ".journal"

    let directory: String
    let fileName: String
    let source: JournalEntry.Source
    let sink: any JournalSink
    let logger: Logger
    /// Written to wake the thread (finish, cancel); both ends closed by the thread.
    private let wake: (read: Int32, write: Int32)?
    /// 0 following, 1 finish (send what the file holds, then end), 2 cancel (end now).
    private let mode = Atomic<Int>(0)
    private let ended: Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])> = Mutex((false, []))

    public init(directory: String, fileName: String = LinuxTaskDriver.logFileName, source: JournalEntry.Source,
                sink: any JournalSink, logger: Logger) {
        self.directory = directory
        self.fileName = fileName
        self.source = source
        self.sink = sink
        self.logger = logger
        wake = try? FileIO.pipe()
    }

    struct Position: Equatable {
        var inode: UInt64
        var offset: UInt64
    }

    var positionFile: String { "\(directory)/\(fileName)\(Self.positionSuffix)" }

    /// Before an instance starts afresh: its forwarder begins at the log's current end (earlier
    /// runs' lines were sent by their own forwarders, or were written before the service used
    /// journald). Kept when a record exists: that one is where the last forwarder stopped.
    /// Blocking.
    public static func prepare(directory: String, fileName: String = LinuxTaskDriver.logFileName) throws(SystemError) {
        let path = "\(directory)/\(fileName)\(positionSuffix)"
        guard !FileIO.exists(path) else { return }
        try FileIO.makeDirectories(directory, mode: 0o700)
        var st = stat()
        let position = stat("\(directory)/\(fileName)", &st) == 0 ? Position(inode: UInt64(st.st_ino), offset: UInt64(st.st_size)) : Position(inode: 0, offset: 0)
        try FileIO.write(path, "\(position.inode) \(position.offset)\n", mode: 0o600)
    }

    public func start() {
        Task.detached { [self] in
            _ = try? await BlockingWork.run { self.run() }
            let waiters = ended.withLock { state in
                state.done = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    /// The workload has exited: send what its file holds, then end.
    public func finish() {
        _ = mode.compareExchange(expected: 0, desired: 1, ordering: .acquiringAndReleasing)
        poke()
    }

    /// End without sending more (the agent is leaving; the next one resumes from the record).
    public func cancel() {
        mode.store(2, ordering: .releasing)
        poke()
    }

    /// Returns once the thread has ended.
    public func ended() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = ended.withLock { state in
                if !state.done { state.waiters.append(continuation) }
                return state.done
            }
            if done { continuation.resume() }
        }
    }

    private func poke() {
        if let wake { _ = withUnsafeBytes(of: UInt8(1)) { write(wake.write, $0.baseAddress, 1) } }
    }

    private func run() {
        guard let wake else { return }
        defer {
            close(wake.read)
            close(wake.write)
        }
        let inotify = inotify_init1(Int32(IN_CLOEXEC))
        guard inotify >= 0 else {
            logger.error("cannot follow the log of \(source.instance) for the journal: inotify_init1 failed (errno \(errno))")
            return
        }
        defer { close(inotify) }
        // Watch first, then read: nothing written in between is missed.
        inotify_add_watch(inotify, directory, UInt32(IN_MODIFY | IN_CREATE | IN_MOVED_TO))
        var position = loadPosition()
        var failure: String?
        var events = [UInt8](repeating: 0, count: 4096)
        while true {
            let current = mode.load(ordering: .acquiring)
            if current == 2 { return }
            forward(&position, failure: &failure)
            // Read before the pass: everything the file held when `finish` came was sent.
            if current == 1 { return }
            var fds = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            let rc = poll(&fds, 2, -1)
            if rc < 0 { if errno == EINTR { continue } else { return } }
            if fds[0].revents != 0 { _ = events.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) } }
            if fds[1].revents != 0 { _ = events.withUnsafeMutableBytes { read(wake.read, $0.baseAddress, 1) } }
        }
    }

    /// The log's files, oldest first (`container.log.N` … `.1`, then `container.log`), with
    /// their inodes; missing ones left out.
    private func chain() -> [(path: String, inode: UInt64, size: UInt64)] {
        var rotated: [String] = []
        var n = 1
        while FileIO.exists("\(directory)/\(fileName).\(n)") {
            rotated.append("\(directory)/\(fileName).\(n)")
            n += 1
        }
        return (rotated.reversed() + ["\(directory)/\(fileName)"]).compactMap { path in
            var st = stat()
            guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
            return (path, UInt64(st.st_ino), UInt64(st.st_size))
        }
    }

    /// Sends every whole line past `position`, file by file, recording the position after each.
    private func forward(_ position: inout Position, failure: inout String?) {
        let files = chain()
        guard !files.isEmpty else { return }
        var index = files.count - 1
        var offset: UInt64 = 0
        if let found = files.firstIndex(where: { $0.inode == position.inode }) {
            index = found
            // A smaller file than the record is another file that got the inode: from its start.
            offset = position.offset <= files[found].size ? position.offset : 0
        } else if position.inode != 0 {
            logger.warning("lines of \(source.instance) were rotated away before they reached the journal; continuing with the current log file")
        }
        for (k, file) in files.enumerated() where k >= index {
            let start = k == index ? offset : 0
            let (reached, error) = send(file.path, from: start)
            if reached != start || position.inode != file.inode {
                position = Position(inode: file.inode, offset: reached)
                savePosition(position)
            }
            if let error {
                // Reported once until a send succeeds again; the next change of the file retries.
                if failure != error { logger.error("cannot send the log of \(source.instance) to the journal: \(error)") }
                failure = error
                return
            }
            failure = nil
            // A rotated file is complete; the current one may end in a partial line.
            if k < files.count - 1 && reached < file.size { return }
        }
    }

    /// Sends the whole lines of `path` from `offset`; returns the offset after the last one sent
    /// and what failed, if anything did.
    private func send(_ path: String, from offset: UInt64) -> (UInt64, String?) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return (offset, nil) }
        defer { close(fd) }
        var at = offset
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(at) + off_t(pending.count)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return (at, nil) }
            pending.append(contentsOf: buffer[0..<n])
            while let newline = pending.firstIndex(of: 10) {
                let raw = String(decoding: pending[..<newline], as: UTF8.self)
                if let line = LogLine(parsing: Substring(raw)) {
                    do {
                        try sink.send(JournalEntry.fields(line, from: source))
                    } catch {
                        return (at, "\(error)")
                    }
                }
                at += UInt64(newline + 1)
                pending.removeSubrange(...newline)
            }
        }
    }

    private func loadPosition() -> Position {
        guard let bytes = try? FileIO.readIfExists(positionFile, followSymlinks: false) else { return Position(inode: 0, offset: 0) }
        let parts = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, let inode = UInt64(parts[0]), let offset = UInt64(parts[1]) else { return Position(inode: 0, offset: 0) }
        return Position(inode: inode, offset: offset)
    }

    /// Written to a new file renamed over the old: a crash leaves the old record or the new one.
    private func savePosition(_ position: Position) {
        let temporary = positionFile + ".new"
        do {
            try FileIO.write(temporary, "\(position.inode) \(position.offset)\n", mode: 0o600)
            try FileIO.rename(temporary, to: positionFile)
        } catch {
            logger.error("cannot record how far the log of \(source.instance) reached the journal: \(error)")
        }
    }
}
