import AICoreErrors
import AICoreOS
import AICoreRuntime
import AICoreSystem
import Foundation
import Testing

/// `security_opt: seccomp=FILE`: the profile is read and checked when the task is planned, and a
/// bad file is a spec error that names it.
struct TaskSpecSeccompFileTests {
    @Test func aDockerFormatProfileIsReadIntoTheTask() throws {
        let directory = try TestEnvironment.temporaryDirectory("seccomp-file")
        defer { try? FileIO.removeTree(directory) }
        let path = directory + "/profile.json"
        try FileIO.write(path, try SeccompProfileLoader.encode(.dockerDefault))
        #expect(try TaskSpec.Seccomp.profile(readingFile: path) == .profile(.dockerDefault))
    }

    @Test func aMissingFileIsASpecErrorNamingIt() {
        let error = #expect(throws: AICoreError.self) { try TaskSpec.Seccomp.profile(readingFile: "/nonexistent/profile.json") }
        #expect(error?.code == .invalidSpec)
        #expect(error?.message == "cannot read the seccomp profile /nonexistent/profile.json: No such file or directory")
    }

    @Test func aMalformedProfileIsASpecErrorNamingIt() throws {
        let directory = try TestEnvironment.temporaryDirectory("seccomp-file")
        defer { try? FileIO.removeTree(directory) }
        let path = directory + "/profile.json"
        try FileIO.write(path, Array(#"{"defaultAction": 7}"#.utf8))
        let error = #expect(throws: AICoreError.self) { try TaskSpec.Seccomp.profile(readingFile: path) }
        #expect(error?.code == .invalidSpec)
        #expect(error?.message.hasPrefix("invalid seccomp profile \(path): ") == true, "\(String(describing: error))")
    }
}
