import Testing
@testable import AICoreSampleAPI

@Suite struct SampleConfigurationTests {
    @Test func defaults() throws {
        let configuration = try SampleConfiguration(environment: [:])
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 3000)
        #expect(configuration.version == "dev")
        #expect(configuration.faults == FaultSettings())
        #expect(configuration.logLevel == "info")
    }

    @Test func readsTheEnvironment() throws {
        let configuration = try SampleConfiguration(environment: [
            "HOST": "127.0.0.5", "PORT": "8081", "AICORE_SAMPLE_VERSION": "1.2.3",
            "DATABASE_URL": "postgres://a:b@postgres:5432/c", "REDIS_URL": "redis://redis:6379",
            "AICORE_SAMPLE_NEVER_READY": "1", "AICORE_SAMPLE_CRASH_AFTER": "2.5", "AICORE_SAMPLE_HANG": "0",
            "AICORE_SAMPLE_DELAY_MS": "250", "AICORE_SAMPLE_LEAK_MB_PER_S": "8", "LOG_LEVEL": "DEBUG",
        ])
        #expect(configuration.host == "127.0.0.5")
        #expect(configuration.port == 8081)
        #expect(configuration.version == "1.2.3")
        #expect(configuration.database.host == "postgres")
        #expect(configuration.faults == FaultSettings(
            neverReady: true, crashAfterSeconds: 2.5, hang: false, delayMilliseconds: 250, leakMegabytesPerSecond: 8))
        #expect(configuration.logLevel == "debug")
    }

    @Test(arguments: [
        ("PORT", "http", "PORT: \"http\" is not a port number"),
        ("AICORE_SAMPLE_NEVER_READY", "maybe", "AICORE_SAMPLE_NEVER_READY: \"maybe\" is not a boolean"),
        ("AICORE_SAMPLE_CRASH_AFTER", "-1", "AICORE_SAMPLE_CRASH_AFTER: \"-1\" is not a number of seconds"),
        ("AICORE_SAMPLE_DELAY_MS", "1.5", "AICORE_SAMPLE_DELAY_MS: \"1.5\" is not a whole number"),
        ("AICORE_SAMPLE_LEAK_MB_PER_S", "lots", "AICORE_SAMPLE_LEAK_MB_PER_S: \"lots\""),
        ("LOG_LEVEL", "loud", "LOG_LEVEL: \"loud\" is not one of"),
    ])
    func malformedSettings(variable: String, value: String, expected: String) {
        #expect {
            try SampleConfiguration(environment: [variable: value])
        } throws: { error in
            "\(error)".hasPrefix(expected)
        }
    }
}
