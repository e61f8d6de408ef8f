import AICoreSystem
import Foundation
import AICoreTestSupport
import Testing
import AICoreOS
@testable import AICoreRuntime

/// `logging.driver`: the init writes Docker's json-file lines, or nothing at all, and rotates
/// by the service's max-size and max-file.
extension LinuxTaskDriverTests {
    /// The log's files, oldest first, as their lines.
    func logFiles(_ handle: TaskHandle) -> [(name: String, lines: [String])] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: handle.logDirectory)) ?? [])
            .filter { $0.hasPrefix("container.log") }
            .sorted { ($0 == "container.log" ? 0 : Int($0.split(separator: ".").last ?? "") ?? 0) > ($1 == "container.log" ? 0 : Int($1.split(separator: ".").last ?? "") ?? 0) }
        return names.map { name in
            (name, ((try? FileIO.readString(handle.logDirectory + "/" + name)) ?? "").split(separator: "\n").map(String.init))
        }
    }

    @Test func jsonFileLinesAreDockersJSONWithStreamAndTime() async throws {
        let name = TestEnvironment.uniqueName("json")
        var s = spec(name, ["sh", "-c", #"printf 'plain\n'; printf 'quote " back \\ tab \t end\n'; printf 'bad \377 byte\n'; echo oops >&2; printf 'no newline'"#])
        s.logging.format = .json
        let handle = try await driver.startRemovedAfterTest(s)
        #expect(try await driver.wait(handle).status == .exited(0))
        let lines = try FileIO.readString(handle.logFile).split(separator: "\n")
        #expect(lines.count == 5)
        var records: [[String: String]] = []
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
            let record = try #require(object, "\(line)")
            #expect(Set(record.keys) == ["log", "stream", "time"], "\(line)")
            records.append(record)
        }
        #expect(records.map { $0["log"] ?? "" } == [
            "plain\n", "quote \" back \\ tab \t end\n", "bad \u{FFFD} byte\n", "oops\n", "no newline\n",
        ])
        #expect(records.map { $0["stream"] ?? "" } == ["stdout", "stdout", "stdout", "stderr", "stdout"])
        // RFC 3339 with nanoseconds in UTC, as Docker writes it.
        let time = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/
        #expect(records.allSatisfy { ($0["time"] ?? "").wholeMatch(of: time) != nil }, "\(records)")
        #expect(lines.first?.hasPrefix(#"{"log":"plain\n","stream":"stdout","time":""#) == true)
        try await offload { [driver] in try driver.remove(handle) }
    }

    @Test func jsonFileRotatesByMaxSizeAndKeepsMaxFiles() async throws {
        let name = TestEnvironment.uniqueName("jsonrot")
        var s = spec(name, ["sh", "-c", "i=1; while [ $i -le 40 ]; do echo line-$i; i=$((i+1)); done"])
        // One JSON line here is 77 or 78 bytes: three fit a file of 300.
        s.logging = TaskSpec.Logging(maxBytes: 300, maxFiles: 3, format: .json)
        let handle = try await driver.startRemovedAfterTest(s)
        #expect(try await driver.wait(handle).status == .exited(0))
        let files = logFiles(handle)
        #expect(files.map(\.name) == ["container.log.2", "container.log.1", "container.log"])
        for file in files {
            let size = (try? FileIO.read(handle.logDirectory + "/" + file.name).count) ?? 0
            #expect(size <= 300, "\(file.name): \(size) bytes")
        }
        // The newest lines, in order, with none missing between them.
        let kept = try files.flatMap(\.lines).map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])["log"] ?? ""
        }
        let first = try #require(Int(kept.first?.dropFirst(5).dropLast() ?? ""))
        #expect(kept == (first...40).map { "line-\($0)\n" })
        #expect(kept.count >= 7)
        try await offload { [driver] in try driver.remove(handle) }
    }

    @Test func theNoneDriverWritesNoLog() async throws {
        let name = TestEnvironment.uniqueName("nolog")
        var s = spec(name, ["sh", "-c", "echo to nowhere; echo nor this >&2"])
        s.logging.format = .discard
        let handle = try await driver.startRemovedAfterTest(s)
        #expect(try await driver.wait(handle).status == .exited(0))
        #expect(logFiles(handle).isEmpty)
        try await offload { [driver] in try driver.remove(handle) }
    }
}
