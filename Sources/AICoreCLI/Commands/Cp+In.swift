import AICoreErrors
import AICoreLayerFS
import AICoreServer
import AICoreSystem
import Foundation

extension Cp {
    /// A copy into instances: the tar is made here, from the host path (or taken as it is from
    /// standard input), and the agent applies it inside each instance's root.
    struct CopyIn {
        let client: AgentClient
        let source: String
        let followLink: Bool
        let keepOwners: Bool

        func run(into instances: [InstanceStatus], path: String) async throws {
            // Standard input is a tar already, applied into the directory as it is.
            let made: (archive: [UInt8], directory: Bool, name: String?)
            if source == "-" {
                made = (try await BlockingWork.run { [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }, true, nil)
            } else {
                made = try await Self.archive(of: source, followLink: followLink)
            }
            let (archive, sourceIsDirectory, sourceName) = made
            for instance in instances {
                let base = "/v1/instances/\(urlEncoded(instance.id))/archive"
                var directory = path
                var name: String?
                if source != "-" {
                    (directory, name) = try await placement(path, base: base, copyingDirectory: sourceIsDirectory)
                    if name == nil { name = sourceName }
                }
                var query = "?path=\(urlEncoded(directory))"
                if let name { query += "&name=\(urlEncoded(name))" }
                if keepOwners { query += "&keep_owner=true" }
                _ = try await Cp.call {
                    try await client.send("PUT", base + query, body: archive, contentType: "application/x-tar", timeout: .seconds(3600))
                }
            }
        }

        /// Where the copy lands in the instance, as `docker cp` decides: into `path` when it is
        /// a directory there, else as `path` itself, in its parent.
        func placement(_ path: String, base: String, copyingDirectory: Bool) async throws -> (directory: String, name: String?) {
            let existing: PathStatus?
            do {
                let response = try await client.send("GET", base + "/stat?path=\(urlEncoded(path))&follow=true", timeout: .seconds(60))
                existing = try ControlAPI.decoder.decode(PathStatus.self, from: Data(response.body))
            } catch let error as AICoreError where error.status == 404 {
                existing = nil  // The copy takes the path's name, in its parent.
            } catch let error as AICoreError {
                throw CLIFailure.from(error)
            }
            if existing?.kind == "directory" { return (path, nil) }
            if existing != nil, copyingDirectory { throw CLIFailure.invalid("cannot copy a directory onto the file \(path) in the instance") }
            if existing == nil, path.hasSuffix("/") { throw CLIFailure.invalid("the directory \(path) does not exist in the instance") }
            let components = path.split(separator: "/").map(String.init)
            guard let last = components.last else { return ("/", nil) }
            return ((path.hasPrefix("/") ? "/" : "") + components.dropLast().joined(separator: "/"), last)
        }

        /// The tar of the host path `source`, its top entry named as the path names it (or, for
        /// `.` and the like, as the directory it resolves to), and whether it is a directory.
        static func archive(of source: String, followLink: Bool) async throws -> (archive: [UInt8], directory: Bool, name: String?) {
            let url = URL(fileURLWithPath: source)
            // -L: the link's target is what is copied, under the link's name.
            let resolved = followLink ? url.resolvingSymlinksInPath() : url.standardizedFileURL
            let name = url.standardizedFileURL.lastPathComponent
            let parent = resolved.deletingLastPathComponent().path
            let entry = resolved.lastPathComponent
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: resolved.path, isDirectory: &isDirectory) || FileIO.isSymbolicLink(resolved.path) else {
                throw CLIFailure.invalid("no such file or directory: \(source)")
            }
            let directory = isDirectory.boolValue && (followLink || !FileIO.isSymbolicLink(resolved.path))
            let scratch = FileManager.default.temporaryDirectory.path + "/aicore-cp-\(FileIO.processSuffix)-\(UInt64.random(in: 0...UInt64.max)).tar"
            do {
                let bytes = try await BlockingWork.run { () throws -> [UInt8] in
                    let fd = open(scratch, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
                    guard fd >= 0 else { throw SystemError.last("create \(scratch)") }
                    defer {
                        close(fd)
                        unlink(scratch)
                    }
                    let writer = try CopyArchiveWriter(descriptor: fd)
                    try writer.add(Array(entry.utf8), in: try RootedDirectory(path: parent), as: Array(name.utf8), followingFinalSymlink: false)
                    try writer.finish()
                    return try FileIO.read(scratch, followSymlinks: false)
                }
                return (bytes, directory, name)
            } catch let error as AICoreError {
                throw CLIFailure.invalid("cannot read \(source): \(error.message)")
            } catch {
                throw CLIFailure.invalid("cannot read \(source): \(error)")
            }
        }
    }
}
