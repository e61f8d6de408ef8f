import AICoreStore
import AICoreSupervisor
import Hummingbird
import HummingbirdCore
import NIOCore
import Synchronization
import Testing
@testable import AICoreServer

/// Log-follow and event streams are bounded: a reader that stops reading holds a fixed
/// number of chunks, then is dropped; one that falls behind gets an `overflow` end.
@Suite struct StreamBufferTests {
    static func event(_ n: Int) -> EventRecord {
        EventRecord(time: "2026-01-01T00:00:00Z", stack: "s", service: "web", instance: "s-web-1", type: "started", reason: "\(n)")
    }

    @Test func anEventSubscriberThatNeverReadsIsEndedAfterItsBufferAndDropped() async throws {
        let observer = StoreObserver()
        let events = observer.subscribe(buffer: 3)
        #expect(observer.subscriberCount == 1)
        observer.appended((1...10).map(Self.event))
        #expect(observer.subscriberCount == 0)
        observer.appended([Self.event(11)])
        var held: [String] = []
        do {
            for try await event in events { held.append(event.reason) }
            Issue.record("the subscription ended without an overflow")
        } catch let overflow as StreamOverflow {
            #expect(overflow == StreamOverflow(limit: 3))
        }
        #expect(held == ["1", "2", "3"])
    }

    @Test func theEventsAnswerHoldsTheReplayAndABufferThenEndsWithAnOverflow() async throws {
        let (live, subscription) = AsyncThrowingStream.makeStream(of: EventRecord.self)
        for n in 1...10 { subscription.yield(Self.event(n)) }
        subscription.finish()
        let replay = [EventMessage(Self.event(0))]
        let (chunks, forward) = ControlAPI.eventChunks(replay: replay, live: live, stack: nil, buffer: 3)
        await forward.value
        var held: [String] = []
        do {
            for try await chunk in chunks { held.append(String(buffer: chunk)) }
            Issue.record("the events ended without an overflow")
        } catch let overflow as StreamOverflow {
            #expect(overflow == StreamOverflow(limit: 4))
        }
        #expect(held.map { $0.contains("\"reason\":\"") } == [true, true, true, true])
        #expect(held.map { $0.components(separatedBy: "\"reason\":\"")[1].prefix(2) } == ["0\"", "1\"", "2\"", "3\""])
    }

    /// A writer whose writes wait until cancelled: a client that never reads.
    final class StalledWriter: ResponseBodyWriter {
        let lock = Mutex<Int>(0)
        var started: Int { lock.withLock { $0 } }

        func write(_ buffer: ByteBuffer) async throws {
            lock.withLock { $0 += 1 }
            try await Task.sleep(for: .seconds(3600))
        }

        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }

    /// A writer that takes everything and keeps it.
    final class CollectingWriter: ResponseBodyWriter {
        var chunks: [String] = []
        var finished = false

        func write(_ buffer: ByteBuffer) async throws {
            chunks.append(String(buffer: buffer))
        }

        func finish(_ trailingHeaders: HTTPFields?) async throws {
            finished = true
        }
    }

    @Test func aClientThatNeverReadsIsDroppedAndTheSourceIsReadOnlyAWindowAhead() async throws {
        let pulled = Atomic<Int>(0)
        let endless = AsyncStream<ByteBuffer> {
            pulled.wrappingAdd(1, ordering: .relaxed)
            return ByteBuffer(string: "line\n")
        }
        let body = ControlAPI.streamed(endless, heartbeat: ByteBuffer(string: "\n"), overflow: ByteBuffer(string: "overflow\n"),
                                       window: 4, stallTimeout: .milliseconds(200), heartbeatInterval: .seconds(3600))
        let writer = StalledWriter()
        await #expect(throws: StreamStalled.self) { try await body.write(writer) }
        #expect(writer.started == 1)
        // The one being written, the window behind it, and the one the producer waits to queue.
        #expect(pulled.load(ordering: .relaxed) <= 4 + 2)
    }

    @Test func aSourceThatOverflowsEndsTheResponseWithTheMarkerAfterWhatItHeld() async throws {
        let (source, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self)
        continuation.yield(ByteBuffer(string: "a\n"))
        continuation.yield(ByteBuffer(string: "b\n"))
        continuation.finish(throwing: StreamOverflow(limit: 2))
        let body = ControlAPI.streamed(source, heartbeat: ByteBuffer(string: "\n"), overflow: ByteBuffer(string: "overflow\n"),
                                       heartbeatInterval: .seconds(3600))
        let writer = CollectingWriter()
        try await body.write(writer)
        #expect(writer.chunks == ["a\n", "b\n", "overflow\n"])
        #expect(writer.finished)
    }

    struct SourceFailed: Error {}

    @Test func aWholeBodyWhoseSourceFailsIsCutShortNotFinishedAndTheFailureIsReported() async throws {
        let (source, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self)
        continuation.yield(ByteBuffer(string: "first part"))
        continuation.finish(throwing: SourceFailed())
        let reported = Mutex<[String]>([])
        let body = ControlAPI.streamed(source, heartbeat: nil, overflow: ByteBuffer(), heartbeatInterval: .milliseconds(1),
                                       onError: .abort { error in reported.withLock { $0.append("\(type(of: error))") } })
        let writer = CollectingWriter()
        await #expect(throws: SourceFailed.self) { try await body.write(writer) }
        // No heartbeat went into the body, and it was never finished: the client sees it end early.
        #expect(writer.chunks == ["first part"])
        #expect(!writer.finished)
        #expect(reported.withLock { $0 } == ["SourceFailed"])
    }

    @Test func theOverflowMarkersAreWhatClientsRecognise() throws {
        let line = try ControlAPI.ndjson(StreamOverflowMessage(message: ControlAPI.overflowText))
        #expect(String(decoding: line, as: UTF8.self)
            == #"{"message":"the client fell too far behind: the agent ended this stream; follow again to go on","overflow":true}"# + "\n")
        #expect(String(buffer: ControlAPI.sse(event: "overflow", StreamOverflowMessage(message: "m")))
            == "event: overflow\ndata: {\"message\":\"m\",\"overflow\":true}\n\n")
    }
}
