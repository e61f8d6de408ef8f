import AICoreSystem
import AICoreTestSupport
import Foundation
import Logging
import Synchronization
import Testing
@testable import AICoreSupervisor

/// Stands for the journal: keeps every entry sent.
final class RecordingJournal: JournalSink {
    let entries = Mutex<[[String]]>([])
    func send(_ fields: [String]) throws {
        entries.withLock { $0.append(fields) }
    }
    var messages: [String] {
        entries.withLock { $0.map { $0.first { $0.hasPrefix("MESSAGE=") }.map { String($0.dropFirst(8)) } ?? "" } }
    }
}

@Suite struct JournalForwarderTests {
    let source = JournalEntry.Source(instance: "s-a-1", stack: "s", service: "a", tag: "s-a-1")

    func line(_ n: Int) -> String { "2026-01-01T00:00:00.\(String(format: "%09d", n))Z stdout F line \(n)\n" }

    func append(_ path: String, _ text: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        handle.write(Data(text.utf8))
    }

    @Test func resumesFromItsRecordThroughRotationWithoutLossOrRepeat() async throws {
        let dir = try KernelTestEnvironment.temporaryDirectory("journal")
        defer { try? FileIO.removeTree(dir) }
        let log = dir + "/container.log"
        try FileIO.write(log, line(1) + line(2))
        let journal = RecordingJournal()
        let first = JournalForwarder(directory: dir, source: source, sink: journal, logger: Logger(label: "test"))
        first.start()
        #expect(await eventually { journal.messages == ["line 1", "line 2"] })
        // A line without its newline yet waits for it.
        try append(log, line(3) + "2026-01-01T00:00:00.000000004Z stdout F line")
        #expect(await eventually { journal.messages.count == 3 })
        // The agent leaves; meanwhile the instance writes on and its log rotates.
        first.cancel()
        await first.ended()
        try append(log, " 4\n" + line(5))
        #expect(rename(log, dir + "/container.log.1") == 0)
        try FileIO.write(log, line(6))
        let second = JournalForwarder(directory: dir, source: source, sink: journal, logger: Logger(label: "test"))
        second.start()
        try append(log, line(7))
        second.finish()
        await second.ended()
        #expect(journal.messages == (1...7).map { "line \($0)" })
    }

    @Test func aFreshStartBeginsAtTheLogsEnd() async throws {
        let dir = try KernelTestEnvironment.temporaryDirectory("journal-fresh")
        defer { try? FileIO.removeTree(dir) }
        try FileIO.write(dir + "/container.log", line(1))
        try JournalForwarder.prepare(directory: dir)
        // A record there is kept: it is where the last forwarder stopped.
        try JournalForwarder.prepare(directory: dir)
        let journal = RecordingJournal()
        let forwarder = JournalForwarder(directory: dir, source: source, sink: journal, logger: Logger(label: "test"))
        forwarder.start()
        try append(dir + "/container.log", line(2))
        forwarder.finish()
        await forwarder.ended()
        #expect(journal.messages == ["line 2"])
    }

    @Test func aFailedSendIsRetriedFromTheSameLine() async throws {
        final class Flaky: JournalSink {
            let failing = Atomic<Bool>(true)
            let journal = RecordingJournal()
            struct Down: Error {}
            func send(_ fields: [String]) throws {
                if failing.load(ordering: .acquiring) { throw Down() }
                try journal.send(fields)
            }
        }
        let dir = try KernelTestEnvironment.temporaryDirectory("journal-down")
        defer { try? FileIO.removeTree(dir) }
        try FileIO.write(dir + "/container.log", line(1))
        let sink = Flaky()
        let first = JournalForwarder(directory: dir, source: source, sink: sink, logger: Logger(label: "test"))
        first.start()
        first.finish()
        await first.ended()
        #expect(sink.journal.messages.isEmpty)
        sink.failing.store(false, ordering: .releasing)
        let second = JournalForwarder(directory: dir, source: source, sink: sink, logger: Logger(label: "test"))
        second.start()
        second.finish()
        await second.ended()
        #expect(sink.journal.messages == ["line 1"])
    }
}
