import Foundation
import Testing

@testable import AICoreSpec

/// `logging: {driver, options}`: each driver and option as it loads, what `config print`
/// writes back, and each mistake as one located finding.
@Suite("Logging of a service")
struct LoggingDecoderTests {
    static func loaded(_ keys: String) throws -> LoadedStack {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        return try fixture.load(yaml: StackFixture.apiHeader + keys)
    }

    static func logging(_ keys: String) throws -> LoggingSettings? {
        let loaded = try loaded(keys)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        return try #require(loaded.stack.services.first).logging
    }

    static func errors(_ keys: String) throws -> [Diagnostic] {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        return fixture.errors(yaml: StackFixture.apiHeader + keys)
    }

    @Test("each driver loads, with its file format and rotation")
    func drivers() throws {
        #expect(try Self.logging("") == nil)
        let json = try #require(try Self.logging("    logging:\n      driver: json-file\n"))
        #expect(json.driver == .jsonFile)
        #expect(json.rotation == (10 << 20, 3))
        let local = try #require(try Self.logging("    logging: {driver: local}\n"))
        #expect(local.driver == .local)
        #expect(local.rotation == (20 << 20, 5))
        #expect(try Self.logging("    logging: {driver: journald}\n")?.driver == .journald)
        #expect(try Self.logging("    logging: {driver: none}\n")?.driver == LoggingSettings.Driver.none)
        // Options alone: the node's default format, with them.
        let optionsOnly = try #require(try Self.logging("    logging:\n      options: {max-size: 1m}\n"))
        #expect(optionsOnly.driver == nil)
        #expect(optionsOnly.rotation == (1_000_000, 1))
    }

    @Test("max-size takes Docker's units: decimal for json-file, binary for local")
    func sizes() throws {
        let json = try #require(try Self.logging("    logging: {driver: json-file, options: {max-size: 10m, max-file: \"4\"}}\n"))
        #expect(json.maxSize == LogSize(text: "10m", bytes: 10_000_000))
        #expect(json.maxFile == 4)
        #expect(json.rotation == (10_000_000, 4))
        // max-size alone keeps one file, as Docker does.
        let single = try #require(try Self.logging("    logging: {driver: json-file, options: {max-size: 100k}}\n"))
        #expect(single.rotation == (100_000, 1))
        let local = try #require(try Self.logging("    logging: {driver: local, options: {max-size: 1g, max-file: 2}}\n"))
        #expect(local.rotation == (1 << 30, 2))
        for (text, bytes) in [("100k", 100_000), ("1.5m", 1_500_000), ("2MB", 2_000_000), ("3MiB", 3_000_000), ("512", 512), ("1 kb", 1000)] {
            #expect(LogSize(parsing: text, decimal: true)?.bytes == UInt64(bytes), "\(text)")
        }
        #expect(LogSize(parsing: "1k", decimal: false)?.bytes == 1024)
        for bad in ["", "m", "10x", "-1m", "0", "1.2.3m", "10 mm", ".5m"] {
            #expect(LogSize(parsing: bad, decimal: true) == nil, "\(bad)")
        }
    }

    @Test("tag is a template of Docker's placeholders")
    func tag() throws {
        let settings = try #require(try Self.logging("    logging:\n      driver: journald\n      options:\n        tag: \"app/{{.Name}}/{{ .ID }}\"\n"))
        let tag = try #require(settings.tag)
        #expect(tag.template == "app/{{.Name}}/{{ .ID }}")
        #expect(tag.render(LogTag.Values(name: "shop-api-1")) == "app/shop-api-1/shop-api-1")
        let all = try LogTag.parse("{{.FullID}} {{.ImageName}} {{.DaemonName}} x").get()
        #expect(all.render(LogTag.Values(name: "s-a-1", imageName: "nginx:1")) == "s-a-1 nginx:1 aicore-node x")
        #expect(try LogTag.parse("plain").get().render(LogTag.Values(name: "n")) == "plain")
    }

    @Test("the printout loads back into the same settings")
    func roundTrip() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let loaded = try fixture.load(yaml: StackFixture.apiHeader
            + "    logging:\n      driver: json-file\n      options: {max-size: 10m, max-file: 3, tag: \"{{.Name}}\"}\n")
        let printed = StackPrinter.render(loaded.stack, format: .yaml)
        #expect(printed.contains("driver: json-file"))
        try fixture.write("printed.yml", printed)
        let reloaded = try fixture.load(["printed.yml"])
        #expect(reloaded.warnings.isEmpty)
        #expect(reloaded.stack.services.first?.logging == loaded.stack.services.first?.logging)
        // A service without it prints (and hashes) as before.
        let plain = try fixture.load(yaml: StackFixture.apiHeader)
        #expect(!StackPrinter.render(plain.stack, format: .yaml).contains("logging"))
    }

    @Test("bad values are located errors", arguments: [
        ("    logging: {driver: json-file, options: {max-size: 10q}}\n", "services.api.logging.options.max-size",
         "expected a size like 10m, 1g or 100k (at least one byte), found \"10q\""),
        ("    logging: {driver: json-file, options: {max-file: 0}}\n", "services.api.logging.options.max-file",
         "expected an integer of at least 1, found \"0\""),
        ("    logging: {driver: local, options: {max-file: many}}\n", "services.api.logging.options.max-file",
         "expected an integer of at least 1, found \"many\""),
        ("    logging: {driver: jsonfile}\n", "services.api.logging.driver",
         "unknown logging driver \"jsonfile\"; expected json-file, local, journald or none; did you mean `json-file`?"),
        ("    logging: {driver: journald, options: {tag: \"{{.Names}}\"}}\n", "services.api.logging.options.tag",
         "unknown placeholder `{{.Names}}` in tag \"{{.Names}}\"; expected {{.Name}}, {{.ID}}, {{.FullID}}, {{.ImageName}}, {{.ImageID}}, {{.DaemonName}}"),
        ("    logging: {driver: journald, options: {tag: \"{{.Name\"}}\n", "services.api.logging.options.tag",
         "`{{` without `}}` in tag \"{{.Name\""),
        ("    logging: {driver: json-file, flavour: x}\n", "services.api.logging.flavour",
         "unknown key `flavour` in logging; extension keys must start with `x-`"),
        ("    logging: [json-file]\n", "services.api.logging", "expected a mapping, found a list"),
    ])
    func badInput(keys: String, path: String, message: String) throws {
        let errors = try Self.errors(keys)
        #expect(errors.count == 1, "\(errors)")
        let error = try #require(errors.first)
        #expect(error.keyPath == path)
        #expect(error.message == message)
        #expect(error.location?.line == 4)
    }

    @Test("a driver this node does not run is refused when the stack starts, and prints as written")
    func unavailableDriver() throws {
        let loaded = try Self.loaded("    logging:\n      driver: syslog\n      options: {syslog-address: \"udp://1.2.3.4:514\"}\n")
        let warning = try #require(loaded.warnings.first)
        #expect(loaded.warnings.count == 1)
        #expect(warning.kind == .unsupported)
        #expect(warning.keyPath == "services.api.logging.driver")
        #expect(warning.location?.line == 5)
        #expect(warning.message.hasPrefix("logging driver `syslog` is not available on this node"))
        #expect(loaded.blockingWarnings.count == 1)
        let service = try #require(loaded.stack.services.first)
        #expect(service.logging == nil)
        #expect(StackPrinter.render(loaded.stack, format: .yaml).contains("driver: syslog"))
        let fixture = try StackFixture()
        defer { fixture.remove() }
        #expect(fixture.errors(yaml: StackFixture.apiHeader + "    logging: {driver: fluentd}\n", strict: true).count == 1)
    }

    @Test("an option the driver does not apply is a located warning, and dropped")
    func inapplicableOptions() throws {
        let loaded = try Self.loaded("    logging:\n      driver: journald\n      options:\n        max-size: 10m\n        labels: app\n        tag: x\n")
        #expect(loaded.warnings.map(\.keyPath) == ["services.api.logging.options.max-size", "services.api.logging.options.labels"])
        #expect(loaded.warnings.allSatisfy { $0.kind == .ignored })
        #expect(loaded.warnings.map { $0.location?.line } == [7, 8])
        #expect(loaded.warnings.first?.message == "logging option `max-size` has no effect with the journald driver and is ignored")
        #expect(loaded.warnings.last?.message == "logging option `labels` is not applied by the journald driver of aicore-node and is ignored")
        let settings = try #require(loaded.stack.services.first?.logging)
        #expect(settings.maxSize == nil)
        #expect(settings.tag?.template == "x")
        // none takes no option at all.
        let none = try Self.loaded("    logging: {driver: none, options: {max-file: 2}}\n")
        #expect(none.warnings.map(\.message) == ["logging option `max-file` has no effect with the none driver and is ignored"])
    }

    @Test("a later file's logging merges its options, or replaces them with another driver")
    func merge() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        try fixture.write("base.yml", StackFixture.apiHeader + "    logging: {driver: json-file, options: {max-size: 1m, max-file: 2}}\n")
        try fixture.write("same.yml", "services:\n  api:\n    logging: {options: {max-file: 5}}\n")
        try fixture.write("other.yml", "services:\n  api:\n    logging: {driver: journald, options: {tag: t}}\n")
        let same = try fixture.load(["base.yml", "same.yml"]).stack.services.first?.logging
        #expect(same == LoggingSettings(driver: .jsonFile, maxSize: LogSize(text: "1m", bytes: 1_000_000), maxFile: 5))
        let other = try fixture.load(["base.yml", "other.yml"])
        #expect(other.warnings.isEmpty, "\(other.warnings)")
        #expect(other.stack.services.first?.logging?.driver == .journald)
        #expect(other.stack.services.first?.logging?.maxSize == nil)
    }
}

extension LoggingDecoderTests {
    @Test("the agent's default applies to a service that writes no logging, and prints with it")
    func agentDefault() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        try fixture.write("stack.yml", StackFixture.apiHeader + "  own:\n    command: sleep 1\n    logging: {driver: none}\n")
        var options = StackLoadOptions(files: [fixture.directory + "/stack.yml"], environment: [:])
        options.hostPathExists = { _ in true }
        options.defaultLogging = LoggingSettings(driver: .journald)
        let stack = try StackLoader.load(options).stack
        #expect(stack.service(named: "api")?.logging == LoggingSettings(driver: .journald))
        #expect(stack.service(named: "own")?.logging == LoggingSettings(driver: LoggingSettings.Driver.none))
        #expect(StackPrinter.render(stack, format: .yaml).contains("driver: journald"))
    }
}
