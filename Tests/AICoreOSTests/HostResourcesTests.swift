import AICoreSystem
import Foundation
import Testing
@testable import AICoreOS

@Suite struct HostResourcesTests {
    @Test func memTotalIsReadInKiBAndItsAbsenceSaysSo() throws {
        #expect(HostResources.memTotal(meminfo: "MemTotal:       16314564 kB\nMemFree:         1000 kB\n") == 16314564 * 1024)
        #expect(HostResources.memTotal(meminfo: "MemFree: 1000 kB\n") == nil)
        let file = "/tmp/aicore-meminfo-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileIO.removeFile(file) }
        try FileIO.write(file, "MemFree: 1000 kB\n")
        #expect {
            try HostResources.read(meminfo: file)
        } throws: { error in
            (error as? SystemError)?.code == .malformedFile && "\(error)".contains("no MemTotal line")
        }
    }

    @Test func thisHostHasCPUsAndMemory() throws {
        let host = try HostResources.read()
        #expect(host.cpus >= 1 && host.memoryBytes > 64 << 20)
    }
}
