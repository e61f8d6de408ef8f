import AICoreErrors
import AICoreTestSupport
@testable import AICoreCLI
import Testing

/// `stream` against a real HTTP server that sends chunked answers.
@Suite struct AgentClientStreamTests {
    /// Reads chunks until `count` bytes arrived (a chunk may in principle arrive split).
    static func read(
        _ count: Int,
        from iterator: inout AsyncThrowingStream<[UInt8], any Error>.Iterator
    ) async throws -> String {
        var bytes: [UInt8] = []
        while bytes.count < count, let chunk = try await iterator.next() {
            bytes += chunk
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test(arguments: AgentClientTests.Transport.allCases)
    func chunksArriveAsTheServerSendsThem(transport: AgentClientTests.Transport) async throws {
        // The server sends "two" only after the test has received "one", and "three" only after
        // it has received "two": the test cannot pass if the client buffers the whole body.
        let (gate, openGate) = AsyncStream.makeStream(of: Void.self)
        let handler: AgentClientTestServer.Handler = { _, responder in
            var signals = gate.makeAsyncIterator()
            try await responder.head(.ok, contentType: "text/plain")
            try await responder.chunk("one\n")
            await signals.next()
            try await responder.chunk("two\n")
            await signals.next()
            try await responder.chunk("three\n")
            try await responder.end()
        }
        try await AgentClientTestServer.with(handler) { server in
            let client = AgentClient(address: transport.address(of: server), token: "t")
            let stream = try await client.stream("GET", "/v1/stacks/web/logs?follow=true")
            #expect(stream.status == 200)
            #expect(stream.header("Content-Type") == "text/plain")
            #expect(stream.header("transfer-encoding") == "chunked")

            var chunks = stream.chunks.makeAsyncIterator()
            #expect(try await Self.read(4, from: &chunks) == "one\n")
            openGate.yield()
            #expect(try await Self.read(4, from: &chunks) == "two\n")
            openGate.yield()
            #expect(try await Self.read(6, from: &chunks) == "three\n")
            #expect(try await chunks.next() == nil)
            #expect(server.requests.first?.header("authorization") == "Bearer t")
        }
    }

    @Test func cancellingTheConsumerClosesTheConnection() async throws {
        let handler: AgentClientTestServer.Handler = { _, responder in
            try await responder.head(.ok, contentType: "text/event-stream")
            try await responder.chunk("data: first\n\n")
            // Never ends the response; the server notices when the client closes.
        }
        try await AgentClientTestServer.with(handler) { server in
            let client = AgentClient(address: .unixSocket(server.socketPath), token: nil)
            let stream = try await client.stream("GET", "/v1/events")
            let (received, receivedContinuation) = AsyncStream.makeStream(of: [UInt8].self)
            let consumer = Task {
                for try await chunk in stream.chunks {
                    receivedContinuation.yield(chunk)
                }
            }
            var firstChunk = received.makeAsyncIterator()
            #expect(await firstChunk.next() != nil)
            #expect(server.closedURIs.isEmpty)

            consumer.cancel()
            #expect(await eventually { server.closedURIs == ["/v1/events"] })
            _ = await consumer.result
        }
    }

    @Test func lettingGoOfTheStreamClosesTheConnection() async throws {
        let handler: AgentClientTestServer.Handler = { _, responder in
            try await responder.head(.ok, contentType: "text/plain")
            try await responder.chunk("line\n")
        }
        try await AgentClientTestServer.with(handler) { server in
            let client = AgentClient(address: .tcp(host: "127.0.0.1", port: server.port), token: nil)
            do {
                let stream = try await client.stream("GET", "/v1/stacks/web/logs?follow=true")
                for try await _ in stream.chunks { break }
            }
            #expect(await eventually { server.closedURIs == ["/v1/stacks/web/logs?follow=true"] })
        }
    }

    @Test func errorAnswerIsThrownNotStreamed() async throws {
        let handler: AgentClientTestServer.Handler = { _, responder in
            try await responder.respond(
                .notFound, contentType: "application/problem+json",
                body: #"{"title":"Not Found","status":404,"detail":"stack 'web' does not exist"}"#)
        }
        try await AgentClientTestServer.with(handler) { server in
            let client = AgentClient(address: .unixSocket(server.socketPath), token: nil)
            let error = try await #require(throws: AICoreError.self) {
                try await client.stream("GET", "/v1/stacks/web/logs?follow=true")
            }
            #expect(error.status == 404)
            #expect(error.description == "stack 'web' does not exist")
        }
    }

    @Test func serverSentEventsOverARealStream() async throws {
        let handler: AgentClientTestServer.Handler = { _, responder in
            try await responder.head(.ok, contentType: "text/event-stream")
            try await responder.chunk(": connected\n\nid: 7\nevent: instance")
            try await responder.chunk("\ndata: {\"state\":\"running\"}\n")
            try await responder.chunk("\ndata: second\r\n\r\n")
            try await responder.end()
        }
        try await AgentClientTestServer.with(handler) { server in
            let client = AgentClient(address: .unixSocket(server.socketPath), token: nil)
            let stream = try await client.stream("GET", "/v1/events")
            var events: [ServerSentEvent] = []
            for try await event in ServerSentEvents.parse(stream.chunks) {
                events.append(event)
            }
            #expect(
                events == [
                    ServerSentEvent(event: "instance", data: #"{"state":"running"}"#, id: "7"),
                    ServerSentEvent(event: "message", data: "second", id: "7"),
                ])
        }
    }

    @Test func missingHeadTimesOut() async throws {
        let (release, releaseContinuation) = AsyncStream.makeStream(of: Void.self)
        let handler: AgentClientTestServer.Handler = { _, _ in
            for await _ in release {}
        }
        try await AgentClientTestServer.with(handler) { server in
            let client = AgentClient(address: .unixSocket(server.socketPath), token: nil)
            let error = try await #require(throws: AICoreError.self) {
                try await client.stream("GET", "/v1/events", timeout: .milliseconds(200))
            }
            #expect(error.code == .timeout)
            #expect(error.description.contains("did not answer within 200ms") || error.description.contains("200ms"), "\(error)")
            // That the client then closes its connection is the two cancellation tests' subject;
            // here the test server only notices once its blocked handler returns, which under a
            // loaded run took longer than any fair bound.
            releaseContinuation.finish()
        }
    }

    @Test func absentSocketIsUnreachable() async throws {
        let client = AgentClient(address: .unixSocket("/tmp/aicore-client-absent/agent.sock"), token: nil)
        let error = try await #require(throws: AICoreError.self) {
            try await client.stream("GET", "/v1/events")
        }
        #expect(error.code == .unreachable)
        #expect(error.description.contains("unix:///tmp/aicore-client-absent/agent.sock: No such file or directory"))
    }
}
