import AICoreSystem
import AICoreTestSupport
import Foundation
@testable import AICoreImages

/// Docker `config.json` files and credential helpers for tests, in a directory of their own.
enum DockerConfig {
    /// `{"auths": {key: {"auth": base64(user:password)}}}`.
    static func auths(_ entries: [String: (String, String)]) -> String {
        let auths = entries.map { key, credential in
            "\"\(key)\": {\"auth\": \"\(Data("\(credential.0):\(credential.1)".utf8).base64EncodedString())\"}"
        }
        return "{\"auths\": {\(auths.joined(separator: ", "))}}"
    }

    /// Writes `text` as `name` in `directory` and returns its path.
    @discardableResult
    static func write(_ text: String, as name: String, in directory: TemporaryDirectory) async throws -> String {
        let path = directory.file(name)
        try await TestFiles.write(path, Array(text.utf8))
        return path
    }

    /// A `docker-credential-<name>` in `directory/bin` that answers `get` for `serverURL` with
    /// `username` and `secret` and says "credentials not found" (exit 1) for anything else. It
    /// appends what it read on stdin to `directory/<name>.stdin`, one line per call.
    static func helper(
        _ name: String, in directory: TemporaryDirectory, serverURL: String, username: String, secret: String
    ) async throws -> String {
        let bin = directory.file("bin")
        try await offload { try FileIO.makeDirectories(bin) }
        let script = """
            #!/bin/sh
            [ "$1" = get ] || exit 2
            read -r server
            echo "$server" >> '\(directory.file("\(name).stdin"))'
            if [ "$server" = '\(serverURL)' ]; then
              printf '{"ServerURL": "%s", "Username": "%s", "Secret": "%s"}\\n' '\(serverURL)' '\(username)' '\(secret)'
            else
              echo "credentials not found in native keychain"
              exit 1
            fi

            """
        let path = "\(bin)/docker-credential-\(name)"
        try await TestFiles.write(path, Array(script.utf8), mode: 0o755)
        return bin
    }
}
