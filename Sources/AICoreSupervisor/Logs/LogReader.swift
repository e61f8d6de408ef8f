import AICoreRuntime
import AICoreSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Reads an instance's log from its rotated files (`container.log.2`, `.1`, then `container.log`),
/// and follows it: a dedicated thread sleeps in poll(2) on an inotify descriptor watching the
/// log directory, so following costs nothing while the workload is quiet.
public struct LogReader: Sendable {
    public var directory: String
    public var fileName: String
    /// Files kept, counting the current one (the driver's `TaskSpec.Logging.maxFiles`).
    public var maxFiles: Int

    public init(directory: String, fileName: String = LinuxTaskDriver.logFileName, maxFiles: Int = 3) {
        self.directory = directory
        self.fileName = fileName
        self.maxFiles = max(maxFiles, 1)
    }

    public struct Options: Sendable {
        /// Only the last N lines (after `since`); nil: all.
        public var tail: Int?
        /// Only lines at or after this RFC 3339 UTC time.
        public var since: String?
        /// Only this stream; nil: both.
        public var stream: LogLine.Stream?
        public init(tail: Int? = nil, since: String? = nil, stream: LogLine.Stream? = nil) {
            self.tail = tail
            self.since = since
            self.stream = stream
        }
    }

    /// Oldest first. A service's `max-file` may keep more than the reader was told: rotated
    /// files past `maxFiles` count as long as they follow on.
    var files: [String] {
        var count = maxFiles
        while FileIO.exists("\(directory)/\(fileName).\(count)") { count += 1 }
        return (1..<count).reversed().map { "\(directory)/\(fileName).\($0)" } + ["\(directory)/\(fileName)"]
    }

    func accepts(_ line: LogLine, _ options: Options) -> Bool {
        if let since = options.since, line.time < since { return false }
        if let stream = options.stream, line.stream != stream { return false }
        return true
    }

    /// What the files hold now.
    public func read(_ options: Options = Options()) -> [LogLine] {
        var lines: [LogLine] = []
        for file in files {
            guard let bytes = try? FileIO.readIfExists(file, followSymlinks: false) else { continue }
            for raw in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                if let line = LogLine(parsing: raw), accepts(line, options) { lines.append(line) }
            }
        }
        if let tail = options.tail { return Array(lines.suffix(max(tail, 0))) }
        return lines
    }

    /// The newest `count` lines of the current file at or after `since` (an RFC 3339 time,
    /// compared to the second), read from its last 16 KiB only: what a crash last said.
    public func lastLines(_ count: Int, since: String? = nil) -> [LogLine] {
        guard count > 0, let bytes = try? FileIO.readTail("\(directory)/\(fileName)", maxBytes: 16 << 10, followSymlinks: false) else { return [] }
        var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { LogLine(parsing: $0) }
        if let since { lines.removeAll { $0.time.prefix(19) < since.prefix(19) } }
        return Array(lines.suffix(count))
    }

    /// New lines a follower may hold for a consumer that has not taken them (past the lines
    /// `read` gave at the start).
    public static let followBuffer = 4096

    /// The lines `read` gives, then every new one as it is written, until the consumer stops.
    /// A consumer that falls more than `buffer` new lines behind gets the lines held, then
    /// `StreamOverflow`: the follower stops instead of holding more.
    public func follow(_ options: Options = Options(), buffer: Int = LogReader.followBuffer) -> LogFollow {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: LogLine.self)
        let follower = LogFollower(reader: self, options: options, continuation: continuation, buffer: buffer)
        continuation.onTermination = { _ in follower.cancel() }
        follower.start()
        return LogFollow(stream: stream, follower: follower)
    }
}

/// The lines of `LogReader.follow`: counts what the consumer took, so that the follower
/// knows how far behind it is.
public struct LogFollow: AsyncSequence, Sendable {
    public typealias Element = LogLine

    let stream: AsyncThrowingStream<LogLine, any Error>
    let follower: LogFollower

    /// True once the consumer fell too far behind and the follower stopped.
    public var overflowed: Bool { follower.overflowed }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<LogLine, any Error>.AsyncIterator
        let follower: LogFollower

        public mutating func next() async throws -> LogLine? {
            let line = try await base.next()
            if line != nil { follower.taken() }
            return line
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator(), follower: follower)
    }
}

/// The thread behind `LogReader.follow`.
final class LogFollower: Sendable {
    let reader: LogReader
    let options: LogReader.Options
    let continuation: AsyncThrowingStream<LogLine, any Error>.Continuation
    /// Written to wake the thread for cancellation; both ends closed by the thread.
    private let wake: (read: Int32, write: Int32)?
    private let cancelled = Atomic<Bool>(false)
    /// New lines given and not yet taken (those of the first `read` were in memory already
    /// and do not count): past `buffer`, the follower ends.
    private let behind = Atomic<Int>(0)
    /// Lines of the first `read` the consumer has still to take (they come first).
    private let firstLeft = Atomic<Int>(0)
    private let buffer: Int
    private let overflow = Atomic<Bool>(false)

    init(reader: LogReader, options: LogReader.Options, continuation: AsyncThrowingStream<LogLine, any Error>.Continuation,
         buffer: Int) {
        self.reader = reader
        self.options = options
        self.continuation = continuation
        self.buffer = buffer
        wake = try? FileIO.pipe()
    }

    var overflowed: Bool { overflow.load(ordering: .acquiring) }

    /// The consumer took a line.
    func taken() {
        // One consumer: nothing else lowers `firstLeft` between the load and the subtraction.
        if firstLeft.load(ordering: .acquiring) > 0 {
            firstLeft.wrappingSubtract(1, ordering: .relaxed)
        } else {
            behind.wrappingSubtract(1, ordering: .relaxed)
        }
    }

    /// Gives a new line; false (and the stream ended with `StreamOverflow`) when the consumer
    /// is already `buffer` lines behind.
    private func give(_ line: LogLine) -> Bool {
        guard behind.wrappingAdd(1, ordering: .relaxed).newValue <= buffer else {
            overflow.store(true, ordering: .releasing)
            continuation.finish(throwing: StreamOverflow(limit: buffer))
            return false
        }
        continuation.yield(line)
        return true
    }

    func cancel() {
        guard !cancelled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if let wake { _ = withUnsafeBytes(of: UInt8(1)) { write(wake.write, $0.baseAddress, 1) } }
    }

    func start() {
        Task.detached { [self] in
            _ = try? await BlockingWork.run { self.run() }
        }
    }

    private func run() {
        defer {
            if let wake {
                close(wake.read)
                close(wake.write)
            }
            continuation.finish()
        }
        let current = reader.directory + "/" + reader.fileName
        let inotify = inotify_init1(Int32(IN_CLOEXEC))
        guard inotify >= 0, let wake else { return }
        defer { close(inotify) }
        // Watch first, then read: nothing written in between is missed.
        inotify_add_watch(inotify, reader.directory, UInt32(IN_MODIFY | IN_CREATE | IN_MOVED_TO))
        let first = reader.read(options)
        firstLeft.store(first.count, ordering: .releasing)
        for line in first { continuation.yield(line) }

        var fd = open(current, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        var inode = fd >= 0 ? Self.inode(fd: fd) : 0
        if fd >= 0 { lseek(fd, 0, SEEK_END) }
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var events = [UInt8](repeating: 0, count: 4096)
        while !cancelled.load(ordering: .acquiring) && !overflowed {
            var fds = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            let rc = poll(&fds, 2, -1)
            if rc < 0 { if errno == EINTR { continue } else { return } }
            if fds[1].revents != 0 { return }
            _ = events.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) }
            // Drain what was appended to the file we hold (it may have been rotated away).
            if fd >= 0 { drain(fd, &pending, &buffer) }
            // Rotated or created: continue with the new current file from its start.
            let now = Self.inode(path: current)
            if now != 0, now != inode {
                if fd >= 0 { close(fd) }
                fd = open(current, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
                inode = now
                pending = []
                if fd >= 0 { drain(fd, &pending, &buffer) }
            }
        }
        if fd >= 0 { close(fd) }
    }

    private func drain(_ fd: Int32, _ pending: inout [UInt8], _ buffer: inout [UInt8]) {
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return }
            pending.append(contentsOf: buffer[0..<n])
            while let newline = pending.firstIndex(of: 10) {
                let raw = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                if let line = LogLine(parsing: Substring(raw)), reader.accepts(line, options), !give(line) { return }
            }
        }
    }

    private static func inode(fd: Int32) -> UInt64 {
        var st = stat()
        return fstat(fd, &st) == 0 ? UInt64(st.st_ino) : 0
    }

    private static func inode(path: String) -> UInt64 {
        var st = stat()
        return stat(path, &st) == 0 ? UInt64(st.st_ino) : 0
    }
}
