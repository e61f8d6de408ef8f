import AICoreSampleAPI
import Foundation
import NIOCore
import NIOPosix

/// A tiny HTTP/1.1 client over a NIO socket: one request per connection (`Connection: close`),
/// the whole response read to the end, with a client-side timeout.
enum HTTPProbe {
    struct Response: Sendable {
        var status: Int
        var headers: [String: String]
        var body: String

        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
                throw FixtureFailure(description: "not a JSON object: \(body)")
            }
            return object
        }
    }

    static func request(
        _ method: String, port: Int, path: String, body: String? = nil, timeout: Duration
    ) async throws -> Response {
        try await withDeadline(timeout, "\(method) \(path)") {
            try await exchange(method, port: port, path: path, body: body)
        }
    }

    private static func exchange(_ method: String, port: Int, path: String, body: String?) async throws -> Response {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(2))
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if let body {
            head += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
        }
        let request = head + "\r\n" + (body ?? "")
        let raw = try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: request))
            var received = ByteBuffer()
            for try await chunk in inbound {
                received.writeImmutableBuffer(chunk)
            }
            return received
        }
        return try parse(String(buffer: raw))
    }

    static func parse(_ text: String) throws -> Response {
        guard let split = text.range(of: "\r\n\r\n") else { throw FixtureFailure(description: "no HTTP head in \(text)") }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw FixtureFailure(description: "bad status line in \(text)")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = String(text[split.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return Response(status: status, headers: headers, body: body)
    }

    private static func dechunk(_ text: String) -> String {
        var rest = Substring(text)
        var body = ""
        while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
            let start = lineEnd.upperBound
            let utf8 = rest.utf8
            guard let end = utf8.index(start, offsetBy: size, limitedBy: utf8.endIndex) else { break }
            body += String(rest[start..<end])
            rest = rest[end...].dropFirst(2)
        }
        return body
    }
}
