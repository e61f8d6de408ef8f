import Testing
@testable import AICoreSupervisor

@Suite struct JournalEntryTests {
    let source = JournalEntry.Source(instance: "shop-api-2", stack: "shop", service: "api", tag: "shop/api", imageName: "nginx:1.27")

    @Test func fieldsAreDockersNamesWithPriorityByStream() {
        let out = JournalEntry.fields(LogLine(time: "2026-12-07T14:00:00.123456789Z", stream: .stdout, text: "hello"), from: source)
        #expect(out == [
            "MESSAGE=hello", "PRIORITY=6", "CONTAINER_NAME=shop-api-2", "CONTAINER_ID=shop-api-2", "CONTAINER_ID_FULL=shop-api-2",
            "CONTAINER_TAG=shop/api", "SYSLOG_IDENTIFIER=shop/api", "IMAGE_NAME=nginx:1.27",
            "AICORE_STACK=shop", "AICORE_SERVICE=api", "AICORE_LOG_TIME=2026-12-07T14:00:00.123456789Z",
        ])
        let err = JournalEntry.fields(LogLine(time: "t", stream: .stderr, partial: true, text: "half"), from: source)
        #expect(err.contains("PRIORITY=3"))
        #expect(err.contains("CONTAINER_PARTIAL_MESSAGE=true"))
        var hostCommand = source
        hostCommand.imageName = nil
        #expect(!JournalEntry.fields(LogLine(time: "t", stream: .stdout, text: ""), from: hostCommand).contains { $0.hasPrefix("IMAGE_NAME=") })
    }
}
