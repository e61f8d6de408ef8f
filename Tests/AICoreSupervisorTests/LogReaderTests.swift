import AICoreOS
import AICoreRuntime
import AICoreSystem
import Foundation
import AICoreTestSupport
import Testing
@testable import AICoreSupervisor

@Suite struct LogReaderTests {
    func line(_ second: Int, _ stream: String, _ text: String) -> String {
        "2026-01-01T00:00:0\(second).000000000Z \(stream) F \(text)\n"
    }

    @Test func readsRotatedFilesOldestFirstWithTailSinceAndStreams() throws {
        let dir = try KernelTestEnvironment.temporaryDirectory("logs")
        defer { try? FileIO.removeTree(dir) }
        try FileIO.write(dir + "/container.log.2", line(1, "stdout", "one") + line(2, "stderr", "two"))
        try FileIO.write(dir + "/container.log.1", line(3, "stdout", "three"))
        try FileIO.write(dir + "/container.log", line(4, "stderr", "four") + line(5, "stdout", "five") + "garbage\n")
        let reader = LogReader(directory: dir)
        #expect(reader.read().map(\.text) == ["one", "two", "three", "four", "five"])
        #expect(reader.read(.init(tail: 2)).map(\.text) == ["four", "five"])
        #expect(reader.read(.init(since: "2026-01-01T00:00:03.000000000Z")).map(\.text) == ["three", "four", "five"])
        #expect(reader.read(.init(stream: .stderr)).map(\.text) == ["two", "four"])
        let first = try #require(reader.read().first)
        #expect(first.formatted(timestamps: true) == "2026-01-01T00:00:01.000000000Z one")
        #expect(first.formatted(timestamps: false) == "one")
    }

    /// A workload with CAP_SYS_PTRACE can reach its log directory through the init: a symlink it
    /// plants there must not make `logs` print a host file.
    @Test func aSymlinkInTheLogDirectoryIsNotFollowed() throws {
        let dir = try KernelTestEnvironment.temporaryDirectory("logs-link")
        defer { try? FileIO.removeTree(dir) }
        let secret = dir + "-secret"
        try FileIO.write(secret, line(1, "stdout", "host secret"))
        defer { unlink(secret) }
        #expect(symlink(secret, dir + "/container.log.1") == 0)
        try FileIO.write(dir + "/container.log", line(2, "stdout", "own"))
        let reader = LogReader(directory: dir)
        #expect(reader.read().map(\.text) == ["own"])
        #expect(unlink(dir + "/container.log") == 0 && symlink(secret, dir + "/container.log") == 0)
        #expect(reader.read().isEmpty)
        #expect(reader.lastLines(5).isEmpty)
    }

    @Test func followSeesAppendsAndRotation() async throws {
        let dir = try KernelTestEnvironment.temporaryDirectory("follow")
        defer { try? FileIO.removeTree(dir) }
        try FileIO.write(dir + "/container.log", line(1, "stdout", "old"))
        var lines = LogReader(directory: dir).follow(.init(tail: 1)).makeAsyncIterator()
        #expect(try await lines.next()?.text == "old")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/container.log"))
        try handle.seekToEnd()
        handle.write(Data(line(2, "stderr", "new").utf8))
        #expect(try await lines.next() == LogLine(time: "2026-01-01T00:00:02.000000000Z", stream: .stderr, text: "new"))
        try handle.close()
        // Rotation: the current file moves to .1 and a new one starts.
        #expect(rename(dir + "/container.log", dir + "/container.log.1") == 0)
        try FileIO.write(dir + "/container.log", line(3, "stdout", "after rotation"))
        #expect(try await lines.next()?.text == "after rotation")
    }
}

extension LogReaderTests {
    /// A consumer that stops taking lines holds at most `buffer` new ones: then the follower
    /// stops and the stream ends with `StreamOverflow`, after the lines it held.
    @Test func aConsumerThatFallsBehindEndsTheFollowAfterItsBuffer() async throws {
        let dir = try KernelTestEnvironment.temporaryDirectory("behind")
        defer { try? FileIO.removeTree(dir) }
        try FileIO.write(dir + "/container.log", line(1, "stdout", "a") + line(2, "stdout", "b"))
        let follow = LogReader(directory: dir).follow(buffer: 3)
        var lines = follow.makeAsyncIterator()
        // The first read is not counted against the buffer.
        #expect(try await lines.next()?.text == "a")
        #expect(try await lines.next()?.text == "b")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/container.log"))
        defer { try? handle.close() }
        try handle.seekToEnd()
        var written = 0
        #expect(await eventually {
            written += 1
            handle.write(Data(line(3, "stdout", "new \(written)").utf8))
            return follow.overflowed
        })
        var held: [String] = []
        do {
            while let next = try await lines.next() { held.append(next.text) }
            Issue.record("the follow ended without an overflow")
        } catch let overflow as StreamOverflow {
            #expect(overflow == StreamOverflow(limit: 3))
        }
        #expect(held.count == 3 && held.allSatisfy { $0.hasPrefix("new ") }, "\(held)")
    }
}

@Suite(.serialized, .enabled(if: KernelTestEnvironment.isRoot, "kernel tests need root"))
struct LogFollowKernelTests {
    @Test func followSeesLiveOutputOfARealInstance() async throws {
        let root = try KernelTestEnvironment.temporaryDirectory("live")
        let driver = try KernelTestEnvironment.driver(root)
        let id = KernelTestEnvironment.uniqueName("live")
        let spec = KernelTestEnvironment.spec(id, root: root, ["/bin/sh", "-c",
            "for i in 1 2 3 4 5; do echo out $i; echo err $i >&2; sleep 0.1; done; exec sleep 1000"])
        let handle = try await driver.start(spec)
        var seen: [LogLine] = []
        for try await line in LogReader(directory: handle.logDirectory).follow() {
            seen.append(line)
            if seen.count == 10 { break }
        }
        _ = try await driver.stop(handle, signal: SIGKILL, grace: .seconds(1))
        try await offload { [driver] in try driver.remove(handle) }
        try? FileIO.removeTree(root)
        #expect(seen.filter { $0.stream == .stdout }.map(\.text) == (1...5).map { "out \($0)" })
        #expect(seen.filter { $0.stream == .stderr }.map(\.text) == (1...5).map { "err \($0)" })
    }
}

extension LogReaderTests {
    /// `logging: {driver: json-file}`: Docker's JSON lines read back into the same lines.
    @Test func readsJSONFileLinesAndRotatedFilesPastMaxFiles() throws {
        let dir = try KernelTestEnvironment.temporaryDirectory("json-logs")
        defer { try? FileIO.removeTree(dir) }
        try FileIO.write(dir + "/container.log.4", #"{"log":"oldest\n","stream":"stdout","time":"2026-01-01T00:00:01.000000000Z"}"# + "\n")
        try FileIO.write(dir + "/container.log.3", #"{"log":"older\n","stream":"stdout","time":"2026-01-01T00:00:02.000000000Z"}"# + "\n")
        try FileIO.write(dir + "/container.log.2", #"{"log":"quote \" and \\ \u00e9\n","stream":"stderr","time":"2026-01-01T00:00:03.000000000Z"}"# + "\n")
        try FileIO.write(dir + "/container.log.1", #"{"log":"half","stream":"stdout","time":"2026-01-01T00:00:04.000000000Z"}"# + "\n")
        try FileIO.write(dir + "/container.log", #"{"log":"new\n","stream":"stdout","time":"2026-01-01T00:00:05.000000000Z"}"# + "\n{broken\n")
        let lines = LogReader(directory: dir).read()
        #expect(lines.map(\.text) == ["oldest", "older", "quote \" and \\ é", "half", "new"])
        #expect(lines[2].stream == .stderr)
        #expect(lines[3].partial && !lines[4].partial)
        #expect(lines[4].time == "2026-01-01T00:00:05.000000000Z")
        #expect(LogReader(directory: dir).read(.init(tail: 1, stream: .stdout)).map(\.text) == ["new"])
    }
}
