import AICoreSampleAPI
import Foundation
import Logging

// The sample API workload: configuration errors are one line on stderr and exit 2; a failure
// to serve (the port is taken, say) is one line and exit 1.
let configuration: SampleConfiguration
do {
    configuration = try SampleConfiguration(environment: ProcessInfo.processInfo.environment)
} catch {
    FileHandle.standardError.write(Data("aicore-sample-api: \(error)\n".utf8))
    exit(2)
}

let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardOutput(label: label)
    handler.logLevel = level
    return handler
}
let logger = Logger(label: "aicore.sample-api")

do {
    try await SampleApplication(configuration: configuration, logger: logger).run()
} catch {
    logger.critical("aicore-sample-api failed: \(error)")
    FileHandle.standardError.write(Data("aicore-sample-api: \(error)\n".utf8))
    exit(1)
}
