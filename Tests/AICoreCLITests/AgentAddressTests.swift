import AICoreErrors
@testable import AICoreCLI
import Testing

@Suite struct AgentAddressTests {
    @Test(arguments: [
        ("unix:///run/aicore/aicore.sock", AgentAddress.unixSocket("/run/aicore/aicore.sock")),
        ("/run/aicore/aicore.sock", .unixSocket("/run/aicore/aicore.sock")),
        ("  /tmp/a.sock \n", .unixSocket("/tmp/a.sock")),
        ("./aicore.sock", .unixSocket("./aicore.sock")),
        ("../state/aicore.sock", .unixSocket("../state/aicore.sock")),
        ("http://127.0.0.1:7070", .tcp(host: "127.0.0.1", port: 7070)),
        ("http://127.0.0.1:7070/", .tcp(host: "127.0.0.1", port: 7070)),
        ("HTTP://node-1.internal:80", .tcp(host: "node-1.internal", port: 80)),
        ("tcp://10.0.0.5:65535", .tcp(host: "10.0.0.5", port: 65535)),
        ("http://[::1]:7070", .tcp(host: "::1", port: 7070)),
        ("https://node:7443", AgentAddress(kind: .tcp(host: "node", port: 7443), tls: true)),
    ])
    func parsesGoodAddresses(text: String, expected: AgentAddress) throws {
        #expect(try AgentAddress.parse(text) == expected)
    }

    @Test(arguments: [
        ("", "it is empty"),
        ("   ", "it is empty"),
        ("localhost:7070", "expected unix:///path/to/aicore.sock"),
        ("aicore.sock", "expected unix:///path/to/aicore.sock"),
        ("https://node", "the port is missing"),
        ("ftp://node:21", "unsupported scheme 'ftp'"),
        ("unix://run/aicore.sock", "needs an absolute path"),
        ("http://node", "the port is missing"),
        ("http://:7070", "the host is missing"),
        ("http://node:0", "'0' is not a port"),
        ("http://node:65536", "'65536' is not a port"),
        ("http://node:70x", "'70x' is not a port"),
        ("http://node:", "the port is missing"),
        ("http://node:7070/v1", "without a path"),
        ("http://user@node:7070", "set AICORE_TOKEN instead"),
        ("http://::1:7070", "write IPv6 hosts in brackets"),
        ("http://[::1:7070", "closing ']'"),
        ("/" + String(repeating: "s", count: 120), "unix sockets allow at most 107"),
    ])
    func rejectsBadAddresses(text: String, expectedFragment: String) {
        let error = #expect(throws: AICoreError.self) {
            try AgentAddress.parse(text)
        }
        #expect(error?.code == .invalidAddress)
        #expect(error?.description.contains(expectedFragment) == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix("invalid agent address '\(text)'") == true)
        #expect(error?.description.contains("\n") == false)
    }

    @Test(arguments: [
        (AgentAddress.unixSocket("/run/aicore/aicore.sock"), "unix:///run/aicore/aicore.sock"),
        (.unixSocket("./a.sock"), "./a.sock"),
        (.tcp(host: "127.0.0.1", port: 7070), "http://127.0.0.1:7070"),
        (.tcp(host: "::1", port: 7070), "http://[::1]:7070"),
    ])
    func describesItselfAsParseableText(address: AgentAddress, text: String) throws {
        #expect(address.description == text)
        #expect(try AgentAddress.parse(text) == address)
    }

    @Test func hostHeader() {
        #expect(AgentAddress.unixSocket("/run/aicore/aicore.sock").hostHeader == "localhost")
        #expect(AgentAddress.tcp(host: "::1", port: 80).hostHeader == "[::1]:80")
    }

    @Test func flagWinsOverEnvironmentAndDefault() throws {
        let address = try AgentAddress.resolve(
            flag: "http://127.0.0.1:9000", environment: ["AICORE_HOST": "unix:///env.sock"])
        #expect(address == .tcp(host: "127.0.0.1", port: 9000))
    }

    @Test func environmentWinsOverDefault() throws {
        let address = try AgentAddress.resolve(flag: nil, environment: ["AICORE_HOST": "unix:///env.sock"])
        #expect(address == .unixSocket("/env.sock"))
    }

    @Test func defaultSocketWhenNeitherIsSet() throws {
        #expect(try AgentAddress.resolve(flag: nil, environment: [:]) == .unixSocket("/run/aicore/aicore.sock"))
        #expect(try AgentAddress.resolve(flag: nil, environment: ["AICORE_HOST": " "]) == .unixSocket("/run/aicore/aicore.sock"))
        #expect(
            try AgentAddress.resolve(flag: nil, environment: [:], defaultSocket: "/tmp/x.sock") == .unixSocket("/tmp/x.sock"))
    }

    @Test func errorsNameTheirSource() {
        let flagError = #expect(throws: AICoreError.self) {
            try AgentAddress.resolve(flag: "nonsense", environment: [:])
        }
        #expect(flagError?.description.hasPrefix("--host: invalid agent address 'nonsense'") == true)
        let environmentError = #expect(throws: AICoreError.self) {
            try AgentAddress.resolve(flag: nil, environment: ["AICORE_HOST": "https://node"])
        }
        #expect(environmentError?.description.hasPrefix("AICORE_HOST: invalid agent address") == true)
    }
}
