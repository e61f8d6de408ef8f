import Testing
@testable import AICoreImages

@Suite("WWW-Authenticate challenges are parsed")
struct AuthChallengeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var header: String
        var expected: [AuthChallenge]
        var testDescription: String { header }
    }

    static let cases: [Case] = [
        Case(
            header: #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull""#,
            expected: [AuthChallenge(scheme: "bearer", parameters: ["realm": "https://auth.docker.io/token", "service": "registry.docker.io", "scope": "repository:library/ubuntu:pull"])]
        ),
        Case(header: #"Basic realm="Registry Realm""#, expected: [AuthChallenge(scheme: "basic", parameters: ["realm": "Registry Realm"])]),
        Case(
            header: #"Basic realm="a, b=c", Bearer realm="https://x/token",service="s""#,
            expected: [
                AuthChallenge(scheme: "basic", parameters: ["realm": "a, b=c"]),
                AuthChallenge(scheme: "bearer", parameters: ["realm": "https://x/token", "service": "s"]),
            ]
        ),
        Case(
            header: #"Bearer realm="https://x/t\"q\\z",error="insufficient_scope""#,
            expected: [AuthChallenge(scheme: "bearer", parameters: ["realm": #"https://x/t"q\z"#, "error": "insufficient_scope"])]
        ),
        Case(header: "Bearer realm=https://x/token, service=reg", expected: [AuthChallenge(scheme: "bearer", parameters: ["realm": "https://x/token", "service": "reg"])]),
        Case(header: #"BEARER Realm = "x" ,  SERVICE="y""#, expected: [AuthChallenge(scheme: "bearer", parameters: ["realm": "x", "service": "y"])]),
        Case(
            header: #"Negotiate abc123==, Basic realm="r""#,
            expected: [AuthChallenge(scheme: "negotiate"), AuthChallenge(scheme: "basic", parameters: ["realm": "r"])]
        ),
        Case(header: "Basic", expected: [AuthChallenge(scheme: "basic")]),
        Case(header: "", expected: []),
        Case(header: "= , = ,", expected: []),
    ]

    @Test("One header", arguments: cases)
    func parse(testCase: Case) {
        #expect(AuthChallenge.parse(testCase.header) == testCase.expected)
    }

    @Test("Several headers, in order")
    func severalHeaders() {
        let challenges = AuthChallenge.parse([#"Basic realm="a""#, #"Bearer realm="b""#])
        #expect(challenges.map(\.scheme) == ["basic", "bearer"])
        #expect(challenges.map(\.realm) == ["a", "b"])
    }
}
