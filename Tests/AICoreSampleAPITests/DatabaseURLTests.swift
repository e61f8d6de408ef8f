import Testing
@testable import AICoreSampleAPI

@Suite struct DatabaseURLTests {
    @Test func parsesTheStackURL() throws {
        let url = try DatabaseURL(parsing: "postgres://aicore:aicore-dev-password@postgres:5432/aicore")
        #expect(url == DatabaseURL(host: "postgres", port: 5432, username: "aicore", password: "aicore-dev-password", database: "aicore"))
    }

    @Test func defaultsThePortAndDecodesPercentEscapes() throws {
        let url = try DatabaseURL(parsing: "postgresql://app:p%40ss%3Aword@127.0.0.7/db?sslmode=disable")
        #expect(url.port == 5432)
        #expect(url.password == "p@ss:word")
        #expect(url.database == "db")
    }

    @Test func noPasswordNoDatabase() throws {
        let url = try DatabaseURL(parsing: "postgres://app@localhost:6543")
        #expect(url.password == nil)
        #expect(url.database == nil)
        #expect(url.port == 6543)
    }

    @Test(arguments: [
        ("", "is empty"),
        ("localhost:5432", "has no scheme"),
        ("mysql://u:p@h:1/d", "the scheme \"mysql\" is not one of postgres, postgresql"),
        ("postgres://u:p@h:abc/d", "the port \"abc\" is not a number"),
        ("postgres://u:p@h:70000/d", "the port 70000 is out of range"),
        ("postgres://h:5432/d", "the user name is missing"),
        ("postgres://u:p@:5432/d", "the host is missing"),
        ("postgres://u:p@h:5432/d?sslmode=require", "sslmode=require is not supported"),
        ("postgres://u:p@h:5432/a/b", "contains a slash"),
    ])
    func malformedURLsSayWhatIsWrong(text: String, expected: String) {
        #expect {
            try DatabaseURL(parsing: text)
        } throws: { error in
            let message = "\(error)"
            return message.hasPrefix("DATABASE_URL: ") && message.contains(expected) && !message.contains("\n")
        }
    }

    @Test func errorsNeverEchoThePassword() {
        #expect {
            try DatabaseURL(parsing: "postgres://u:secret@h:port/d")
        } throws: { error in
            !"\(error)".contains("secret")
        }
    }
}
