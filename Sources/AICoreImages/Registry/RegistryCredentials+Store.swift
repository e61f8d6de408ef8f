import AICoreErrors
import Foundation
import NIOFileSystem

extension RegistryCredentials {
    /// The registry a `login` or `logout` argument names, as Docker reads it: empty is Docker
    /// Hub; a scheme, a path and a trailing slash are dropped (`https://index.docker.io/v1/`,
    /// `http://127.0.0.1:5000`, `127.0.0.1:5000/`), Hub's aliases fold into `docker.io`.
    /// Something that is not a `host[:port]` is `.badRequest`.
    public static func registryName(_ text: String?) throws(AICoreError) -> String {
        let trimmed = (text ?? "").trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return ImageReference.dockerHub }
        let name = RegistryAuthFile.normalizedRegistry(trimmed)
        guard ImageReference.isValidRegistry(name) else {
            throw AICoreError(.badRequest, "\"\(trimmed)\" is not a registry host[:port] (e.g. registry.example.com, 127.0.0.1:5000)")
        }
        return name
    }

    /// Saves `username` and `password` for `registry` in aicore-node's own file (what
    /// `aicore-node login` does), keeping every other entry and key of the file.
    ///
    /// The file is replaced atomically (a new file renamed over the old one), is created 0600,
    /// and its directory 0700 when missing: it holds passwords.
    public func store(registry: String, username: String, password: String) async throws(AICoreError) {
        let path = try ownFilePath()
        try await ownFileChanges.run { () async throws(AICoreError) in
            var root = try await readOwnFile(path)
            var auths = root["auths"] as? [String: Any] ?? [:]
            removeKeys(for: registry, from: &auths)
            auths[RegistryAuthFile.canonicalKey(for: registry)] = ["auth": Data("\(username):\(password)".utf8).base64EncodedString()]
            root["auths"] = auths
            try await writeOwnFile(path, root)
        }
    }

    /// Forgets the credentials for `registry` in aicore-node's own file (`aicore-node logout`);
    /// says whether there were any.
    @discardableResult
    public func remove(registry: String) async throws(AICoreError) -> Bool {
        let path = try ownFilePath()
        return try await ownFileChanges.run { () async throws(AICoreError) -> Bool in
            var root = try await readOwnFile(path)
            var auths = root["auths"] as? [String: Any] ?? [:]
            guard removeKeys(for: registry, from: &auths) else { return false }
            root["auths"] = auths
            try await writeOwnFile(path, root)
            return true
        }
    }

    private func ownFilePath() throws(AICoreError) -> String {
        guard let ownFile, !ownFile.isEmpty else {
            throw AICoreError(.registryAuth, "no credentials file is configured for aicore-node; set one in the agent's configuration")
        }
        return ownFile
    }

    /// Every key naming `registry` (Docker Hub has several), so that no stale alias stays behind.
    @discardableResult
    private func removeKeys(for registry: String, from auths: inout [String: Any]) -> Bool {
        let wanted = RegistryAuthFile.normalizedRegistry(registry)
        let keys = auths.keys.filter { RegistryAuthFile.normalizedKey($0) == wanted }
        for key in keys { auths[key] = nil }
        return !keys.isEmpty
    }

    private func readOwnFile(_ path: String) async throws(AICoreError) -> [String: Any] {
        let bytes: [UInt8]
        do {
            guard try await FileSystem.shared.info(forFileAt: FilePath(path)) != nil else { return [:] }
            let buffer = try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
                try await handle.readToEnd(maximumSizeAllowed: .bytes(Int64(RegistryAuthFile.maximumSize)))
            }
            bytes = Array(buffer.readableBytesView)
        } catch {
            throw AICoreError(.registryAuth, "cannot read the credentials file \(path): \(error); check its permissions", cause: error)
        }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) { return [:] }
        guard let root = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw AICoreError(.registryAuth, "the credentials file \(path) is not a JSON object; fix it or remove it")
        }
        return root
    }

    private func writeOwnFile(_ path: String, _ root: [String: Any]) async throws(AICoreError) {
        do {
            let data = try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])
            let directory = FilePath(path).removingLastComponent()
            if !directory.isEmpty, try await FileSystem.shared.info(forFileAt: directory) == nil {
                try await FileSystem.shared.createDirectory(at: directory, withIntermediateDirectories: true, permissions: .ownerReadWriteExecute)
            }
            // Transactional creation: the bytes go to an unnamed file that replaces `path` only
            // once complete, so a crash leaves the old file or the new one, never half of one.
            _ = try await FileSystem.shared.withFileHandle(
                forWritingAt: FilePath(path),
                options: .newFile(replaceExisting: true, permissions: [.ownerRead, .ownerWrite])
            ) { handle in
                try await handle.write(contentsOf: Array(data) + [0x0a], toAbsoluteOffset: 0)
            }
        } catch {
            throw AICoreError(.registryAuth, "cannot write the credentials file \(path): \(error); check that its directory is writable", cause: error)
        }
    }
}
