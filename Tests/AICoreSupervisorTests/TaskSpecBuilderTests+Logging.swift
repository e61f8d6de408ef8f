import AICoreRuntime
import AICoreSpec
import Testing
@testable import AICoreSupervisor

extension TaskSpecBuilderTests {
    @Test func aServicesLoggingDriverAndRotationReachItsTaskSpec() throws {
        let plain = try build(service { _ in })
        #expect(plain.logging.format == .cri)
        #expect(plain.logging.maxBytes == 10 << 20 && plain.logging.maxFiles == 3)
        let json = try build(service { $0.logging = LoggingSettings(driver: .jsonFile, maxSize: LogSize(text: "1m", bytes: 1_000_000), maxFile: 4) })
        #expect(json.logging.format == .json)
        #expect(json.logging.maxBytes == 1_000_000 && json.logging.maxFiles == 4)
        #expect(json.logging.directory == plain.logging.directory)
        let local = try build(service { $0.logging = LoggingSettings(driver: .local) })
        #expect(local.logging.format == .cri && local.logging.maxBytes == 20 << 20 && local.logging.maxFiles == 5)
        // journald keeps the file the agent forwards from (and `logs` reads).
        #expect(try build(service { $0.logging = LoggingSettings(driver: .journald) }).logging.format == .cri)
        #expect(try build(service { $0.logging = LoggingSettings(driver: LoggingSettings.Driver.none) }).logging.format == .discard)
    }
}
