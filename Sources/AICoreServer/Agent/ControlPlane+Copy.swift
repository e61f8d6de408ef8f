import AICoreErrors
import AICoreLayerFS
import AICoreSystem
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `cp`: an instance's files read out as a tar, and a tar applied into them (Docker's
/// `GET/PUT /containers/{id}/archive`). Every path is resolved inside the instance's root
/// (/proc/PID/root of its init, with RESOLVE_IN_ROOT); the tar work runs on `BlockingWork`.
extension ControlPlane {
    /// The root of a running instance: 404 for no such instance, 409 when it is not running.
    func instanceRoot(_ id: String) async throws(AICoreError) -> RootedDirectory {
        let record = try await instanceRecord(id)
        let root: RootedDirectory?
        do {
            root = try await agent.rootDirectory(stack: record.stack, instance: record.id)
        } catch let error as AICoreError {
            throw error
        } catch {
            throw AICoreError(.internalError, "cp: cannot open the root of instance \(id): \(error)", cause: error)
        }
        guard let root else {
            // Its root (an overlay over the image's layers, its volumes and tmpfs mounts) is
            // mounted only while it runs.
            throw AICoreError(.conflict, "instance \(id) is not running (state \(record.state)); cp reaches an instance's files only while it runs: `aicore-node start` it first")
        }
        return root
    }

    /// What is at `path` in the instance; 404 when nothing is.
    public func pathStatus(_ id: String, path: String, follow: Bool) async throws(AICoreError) -> PathStatus {
        let bytes = try Self.instancePath(path)
        let root = try await instanceRoot(id)
        return try await Self.blocking { () throws(AICoreError) in
            var status: FileStatus?
            var target: String?
            do throws(SystemError) {
                status = try root.status(inRoot: bytes, followingFinalSymlink: follow)
                if status?.kind == .symbolicLink {
                    let fd = try root.open(inRoot: bytes, flags: RootedDirectory.pathOnly, followingFinalSymlink: false)
                    defer { close(fd) }
                    target = String(decoding: try RootedDirectory.linkTarget(fd, path: path), as: UTF8.self)
                }
            } catch where error.errno == ENOTDIR {
                status = nil
            } catch {
                throw AICoreError(.internalError, "cp: cannot stat \(path) in instance \(id): \(error)", cause: error)
            }
            guard let status else { throw Self.missing(path, id) }
            let kind = switch status.kind {
            case .regular: "file"
            case .directory: "directory"
            case .symbolicLink: "symlink"
            default: "other"
            }
            return PathStatus(name: Self.lastComponent(path), kind: kind, size: status.size, mode: status.permissions, linkTarget: target)
        }
    }

    /// The tar of `path` and everything below it, written to a file of the agent's that is
    /// already unlinked: the returned descriptor is all that holds it (the caller closes it).
    public func archive(_ id: String, path: String, follow: Bool) async throws(AICoreError) -> Int32 {
        let bytes = try Self.instancePath(path)
        let name = Self.lastComponent(path)
        guard !name.isEmpty, name != ".", name != ".." else {
            throw AICoreError(.badRequest, "cp copies a file or a directory by its name; \(path) has none (name a path below /)")
        }
        let root = try await instanceRoot(id)
        let directory = copyDirectory
        return try await Self.blocking { () throws(AICoreError) in
            let fd = try Self.anonymousFile(in: directory)
            do throws(AICoreError) {
                let writer = try CopyArchiveWriter(descriptor: fd)
                do throws(AICoreError) {
                    try writer.add(bytes, in: root, as: Array(name.utf8), followingFinalSymlink: follow)
                } catch where error.code == .notFound {
                    throw Self.missing(path, id)
                }
                try writer.finish()
                guard lseek(fd, 0, SEEK_SET) == 0 else { throw AICoreError(.internalError, "cp: cannot rewind the archive") }
                return fd
            } catch {
                close(fd)
                throw error
            }
        }
    }

    /// Applies the tar at `upload` (a file of the agent's) into the directory `path` of the
    /// instance. `name`: the archive's first component takes this name there (`cp a svc:/b`
    /// where /b is new). `keepOwners`: `cp -a`.
    public func extract(_ id: String, into path: String, archive upload: String, name: String?,
                        keepOwners: Bool) async throws(AICoreError) -> CopyResult {
        let bytes = try Self.instancePath(path)
        if let name, name.isEmpty || name.contains("/") || name == "." || name == ".." {
            throw AICoreError(.badRequest, "`name` must be one path component, not \(name)")
        }
        let root = try await instanceRoot(id)
        return try await Self.blocking { () throws(AICoreError) in
            let destination: RootedDirectory
            do throws(SystemError) {
                destination = try root.directory(followingInRoot: bytes)
            } catch where error.errno == ENOENT {
                throw Self.missing(path, id)
            } catch where error.errno == ENOTDIR {
                throw AICoreError(.conflict, "cp: \(path) in instance \(id) is not a directory")
            } catch {
                throw AICoreError(.internalError, "cp: cannot open \(path) in instance \(id): \(error)", cause: error)
            }
            let result: CopyArchiveExtraction.Result
            do throws(AICoreError) {
                result = try CopyArchiveExtraction.extract(upload, into: destination, renamingTop: name.map { Array($0.utf8) },
                                                           keepingOwners: keepOwners)
            } catch {
                throw error.prefixed("cp into \(path) of instance \(id)")
            }
            return CopyResult(entries: result.entries, bytes: result.bytes)
        }
    }

    /// Where uploads and archives wait while a copy runs.
    nonisolated var copyDirectory: String { configuration.stateDirectory + "/cp" }

    // MARK: Helpers

    /// A path inside the instance: absolute, or relative to its `/`.
    static func instancePath(_ path: String) throws(AICoreError) -> [UInt8] {
        guard !path.isEmpty else { throw AICoreError(.badRequest, "`path` names the file or directory in the instance, e.g. /etc/hosts") }
        guard !path.utf8.contains(0) else { throw AICoreError(.badRequest, "`path` holds a NUL byte") }
        return Array(path.utf8)
    }

    static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? ""
    }

    static func missing(_ path: String, _ id: String) -> AICoreError {
        AICoreError(.notFound, "no such file or directory in instance \(id): \(path)")
    }

    /// A new file in `directory` that no name reaches (created, then unlinked).
    static func anonymousFile(in directory: String) throws(AICoreError) -> Int32 {
        do {
            try FileIO.makeDirectories(directory, mode: 0o700)
            let path = "\(directory)/archive-\(FileIO.processSuffix)-\(UInt64.random(in: 0...UInt64.max))"
            let fd = try retryingEINTR("create \(path)") { Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600) }
            unlink(path)
            return fd
        } catch {
            throw AICoreError(.internalError, "cp: cannot make a scratch file in \(directory): \(error)", cause: error)
        }
    }

    /// `body` on a thread of `BlockingWork`, its error kept as it is.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws(AICoreError) -> T) async throws(AICoreError) -> T {
        do {
            return try await BlockingWork.run { try body() }
        } catch let error as AICoreError {
            throw error
        } catch {
            throw AICoreError(.internalError, "cp: \(error)", cause: error)
        }
    }
}
