import AICoreSpec
import Foundation
import Testing
@testable import AICoreServer

extension AgentConfigurationTests {
    /// `logging:` in aicore.yml, as Docker's daemon.json `log-driver`/`log-opts`: read by the
    /// stack loader's rules, and every finding refused, at its line.
    @Test func loggingIsTheDefaultOfServicesThatWriteNone() throws {
        #expect(AgentConfiguration().defaultLogging == nil)
        let text = "state_dir: /srv/aicore\nlogging:\n  driver: local\n  options: {max-size: 50m, max-file: 2}\n"
        let configuration = try AgentConfiguration.parse(text, path: "aicore.yml")
        #expect(configuration.defaultLogging == LoggingSettings(driver: .local, maxSize: LogSize(text: "50m", bytes: 50 << 20), maxFile: 2))
        for (bad, said) in [
            ("logging: {driver: syslog}\n", "aicore.yml:1:19: logging.driver: logging driver `syslog` is not available on this node"),
            ("logging:\n  driver: json-file\n  options: {max-file: 0}\n", "aicore.yml:3:23: logging.options.max-file: expected an integer of at least 1"),
            ("logging: {driver: journald, options: {max-size: 1m}}\n", "aicore.yml:1:39: logging.options.max-size: logging option `max-size` has no effect"),
        ] {
            #expect(throws: AgentConfigurationError.self, "\(bad)") {
                _ = try AgentConfiguration.parse(bad, path: "aicore.yml")
            }
            do {
                _ = try AgentConfiguration.parse(bad, path: "aicore.yml")
            } catch {
                #expect("\(error)".hasPrefix(said), "\(error)")
            }
        }
    }
}
