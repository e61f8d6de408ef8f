import Testing

@testable import AICoreSpec

/// The fixed-port scanner, word by word.
@Suite("FixedPortSyntax")
struct FixedPortSyntaxTests {
    static let found: [(words: [String], text: String?)] = [
        (["uvicorn", "--port", "8000"], "--port 8000"),
        (["uvicorn", "--port=8000"], "--port=8000"),
        (["--http-port", "8000"], "--http-port 8000"),
        (["-p", "8000"], "-p 8000"),
        (["sh", "-c", "exec srv --bind=0.0.0.0:8000;"], "--bind=0.0.0.0:8000"),
        (["srv", "[::]:8000"], "[::]:8000"),
        (["srv", "http://0.0.0.0:8000"], "http://0.0.0.0:8000"),
        (["sh", "-c", "srv --listen ':8000'"], ":8000"),
        (["srv", "--port", "9000"], nil),
        (["srv", "--port", "${PORT:-8000}"], nil),
        (["srv", "--port=${PORT:-8000}"], nil),
        (["python", "-m", "http.server", "8000"], "8000"),
        (["srv", "--workers", "8000"], nil),
        (["srv", "localhost:8000/path"], nil),
    ]

    @Test("finds a service port written as a fixed number", arguments: found)
    func find(_ row: (words: [String], text: String?)) {
        #expect(FixedPortSyntax.find([8000], in: row.words)?.text == row.text)
    }

    static let variables: [(text: String, uses: Bool)] = [
        ("--port $PORT", true), ("--port=${PORT}", true), ("${PORT:-8000}", true), ("$PORT/x", true),
        ("$PORTS", false), ("${PORT_X}", false), ("PORT", false), ("--port 8000", false),
    ]

    @Test("tells whether a text expands the port variable", arguments: variables)
    func usesVariable(_ row: (text: String, uses: Bool)) {
        #expect(FixedPortSyntax.usesVariable("PORT", in: row.text) == row.uses)
    }
}
