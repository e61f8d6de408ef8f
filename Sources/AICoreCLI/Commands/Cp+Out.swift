import AICoreErrors
import AICoreLayerFS
import AICoreServer
import AICoreSystem
import Foundation

extension Cp {
    /// A copy out of an instance: the agent sends the tar of the path, and it is applied here
    /// under the same rules as a copy in (no `..`, no device node, no write through a symlink),
    /// since what the instance holds is the instance's to choose.
    struct CopyOut {
        let client: AgentClient
        let instance: String
        let path: String
        let followLink: Bool
        let keepOwners: Bool

        func run(to local: String) async throws {
            let query = "path=\(urlEncoded(path))" + (followLink ? "&follow=true" : "")
            let base = "/v1/instances/\(urlEncoded(instance))/archive"
            // What the path is decides where it lands; a missing one fails before anything here
            // changes.
            let remote = try await Cp.call { try await client.call("GET", base + "/stat?" + query, as: PathStatus.self) }
            if local == "-" {
                guard isatty(STDOUT_FILENO) != 1 else {
                    throw CLIFailure.invalid("refusing to write an archive to a terminal; redirect the output or give a path")
                }
                let stream = try await Cp.call { try await client.stream("GET", base + "?" + query, timeout: .seconds(60)) }
                try await ArchiveDestination.standardOutput.write(stream, verb: "cp")
                return
            }
            let (directory, name) = try Self.placement(local, copyingDirectory: remote.kind == "directory")
            let scratch = FileManager.default.temporaryDirectory.path + "/aicore-cp-\(FileIO.processSuffix)-\(UInt64.random(in: 0...UInt64.max)).tar"
            let file = try ArchiveDestination.file(scratch)
            defer { try? FileIO.removeFile(scratch) }
            do {
                let stream = try await Cp.call { try await client.stream("GET", base + "?" + query, timeout: .seconds(60)) }
                try await file.write(stream, verb: "cp")
            } catch {
                file.discard()
                throw error
            }
            let keepOwners = keepOwners
            do {
                _ = try await BlockingWork.run {
                    try CopyArchiveExtraction.extract(scratch, into: try RootedDirectory(path: directory), renamingTop: name.map { Array($0.utf8) },
                                                      keepingOwners: keepOwners)
                }
            } catch let error as AICoreError {
                throw CLIFailure(message: error.message, code: ExitStatus.failure)
            } catch {
                throw CLIFailure.failed("cannot write into \(directory): \(error)")
            }
        }

        /// Where a copy lands on the host, as `docker cp` decides: into `local` when it is a
        /// directory (keeping the source's name), else as `local` itself (nil: keep the name),
        /// in its parent, which must exist.
        static func placement(_ local: String, copyingDirectory: Bool) throws -> (directory: String, name: String?) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: local, isDirectory: &isDirectory) {
                if isDirectory.boolValue { return (local, nil) }
                guard !copyingDirectory else { throw CLIFailure.invalid("cannot copy a directory onto the file \(local)") }
            } else if local.hasSuffix("/") {
                throw CLIFailure.invalid("the directory \(local) does not exist")
            }
            let url = URL(fileURLWithPath: local)
            let parent = url.deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CLIFailure.invalid("the directory \(parent) does not exist")
            }
            return (parent, url.lastPathComponent)
        }
    }

    /// The agent's answer, or its problem as one CLI line.
    static func call<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as AICoreError {
            throw CLIFailure.from(error)
        }
    }
}
