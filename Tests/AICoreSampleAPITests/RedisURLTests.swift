import Testing
@testable import AICoreSampleAPI

@Suite struct RedisURLTests {
    @Test func parsesHostAndPort() throws {
        #expect(try RedisURL(parsing: "redis://redis:6379") == RedisURL(host: "redis", port: 6379))
        #expect(try RedisURL(parsing: "redis://127.0.0.9") == RedisURL(host: "127.0.0.9", port: 6379))
    }

    @Test func passwordAndDatabase() throws {
        let url = try RedisURL(parsing: "redis://:s3cret@127.0.0.1:7000/2")
        #expect(url == RedisURL(host: "127.0.0.1", port: 7000, password: "s3cret", database: 2))
    }

    @Test(arguments: [
        ("http://redis:6379", "the scheme \"http\""),
        ("redis://redis:six", "the port \"six\" is not a number"),
        ("redis://:6379", "the host is missing"),
        ("redis://redis:6379/x", "the database \"x\" is not a number"),
    ])
    func malformed(text: String, expected: String) {
        #expect {
            try RedisURL(parsing: text)
        } throws: { error in
            "\(error)".hasPrefix("REDIS_URL: ") && "\(error)".contains(expected)
        }
    }
}
