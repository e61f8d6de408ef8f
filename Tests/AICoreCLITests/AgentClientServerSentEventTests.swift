@testable import AICoreCLI
import Testing

/// The `text/event-stream` line rules, fed whole and split into one-byte chunks.
@Suite struct ServerSentEventParserTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var input: String
        var expected: [ServerSentEvent]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "one event", input: "data: hello\n\n", expected: [.init(data: "hello")]),
        Case(
            name: "multi-line data joins with LF", input: "data: a\ndata: b\ndata:c\n\n",
            expected: [.init(data: "a\nb\nc")]),
        Case(
            name: "comments are ignored", input: ": keep-alive\ndata: x\n: another\n\n: alone\n\n",
            expected: [.init(data: "x")]),
        Case(name: "CRLF line ends", input: "event: up\r\ndata: 1\r\n\r\n", expected: [.init(event: "up", data: "1")]),
        Case(name: "CR line ends", input: "data: 1\rdata: 2\r\r", expected: [.init(data: "1\n2")]),
        Case(
            name: "event names and the default",
            input: "event: created\ndata: a\n\ndata: b\n\n",
            expected: [.init(event: "created", data: "a"), .init(event: "message", data: "b")]),
        Case(
            name: "id carries over and resets when empty",
            input: "id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n",
            expected: [.init(data: "a", id: "1"), .init(data: "b", id: "1"), .init(data: "c", id: nil)]),
        Case(name: "id with NUL is ignored", input: "id: 1\0\ndata: a\n\n", expected: [.init(data: "a")]),
        Case(name: "only one leading space is dropped", input: "data:  two\n\n", expected: [.init(data: " two")]),
        Case(name: "field without colon has an empty value", input: "data\n\n", expected: [.init(data: "")]),
        Case(name: "colon inside the value is kept", input: "data: a:b: c\n\n", expected: [.init(data: "a:b: c")]),
        Case(
            name: "an event without data is not dispatched", input: "event: ping\n\ndata: x\n\n",
            expected: [.init(data: "x")]),
        Case(
            name: "unknown fields and retry are ignored", input: "retry: 100\nfoo: bar\ndata: x\n\n",
            expected: [.init(data: "x")]),
        Case(name: "leading BOM is skipped", input: "\u{FEFF}data: x\n\n", expected: [.init(data: "x")]),
        Case(
            name: "trailing event without a blank line is dropped", input: "data: kept\n\ndata: dropped\n",
            expected: [.init(data: "kept")]),
        Case(name: "empty input", input: "", expected: []),
    ]

    @Test(arguments: cases)
    func parsesWholeInput(_ testCase: Case) {
        var parser = ServerSentEventParser()
        #expect(parser.feed(Array(testCase.input.utf8)) == testCase.expected)
    }

    @Test(arguments: cases)
    func parsesInputSplitIntoSingleBytes(_ testCase: Case) {
        var parser = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        for byte in testCase.input.utf8 {
            events += parser.feed(CollectionOfOne(byte))
        }
        #expect(events == testCase.expected)
    }

    @Test func crlfSplitBetweenChunksIsOneLineEnd() {
        var parser = ServerSentEventParser()
        #expect(parser.feed(Array("data: a\r".utf8)).isEmpty)
        // The LF completes the CR line end; the next CRLF is the blank line.
        #expect(parser.feed(Array("\n\r\n".utf8)) == [.init(data: "a")])
    }

    @Test func asyncParseYieldsEventsAndDropsTheUnfinishedOne() async throws {
        let (chunks, continuation) = AsyncThrowingStream.makeStream(of: [UInt8].self)
        for chunk in ["event: a\nda", "ta: 1\n", "\ndata: 2\n\n", "data: unfinished"] {
            continuation.yield(Array(chunk.utf8))
        }
        continuation.finish()
        var events: [ServerSentEvent] = []
        for try await event in ServerSentEvents.parse(chunks) {
            events.append(event)
        }
        #expect(events == [.init(event: "a", data: "1"), .init(data: "2")])
    }

    @Test func asyncParsePassesOnTheStreamError() async throws {
        struct Broken: Error {}
        let (chunks, continuation) = AsyncThrowingStream.makeStream(of: [UInt8].self)
        continuation.yield(Array("data: 1\n\n".utf8))
        continuation.finish(throwing: Broken())
        var events: [ServerSentEvent] = []
        var thrown: (any Error)?
        do {
            for try await event in ServerSentEvents.parse(chunks) {
                events.append(event)
            }
        } catch {
            thrown = error
        }
        #expect(thrown is Broken)
        #expect(events == [.init(data: "1")])
    }
}
