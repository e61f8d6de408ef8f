import AICoreErrors
import AICoreServer
import ArgumentParser
import Foundation

/// How a command reaches the agent: `--host` or `AICORE_HOST` (a unix socket path,
/// `unix:///path` or `http://HOST:PORT`), with `AICORE_TOKEN` as the bearer token over TCP.
struct AgentOptions: ParsableArguments {
    @Option(name: .customLong("host"), help: ArgumentHelp("The agent: a socket path, unix:///PATH, http://HOST:PORT or https://HOST:PORT (default $AICORE_HOST, else /run/aicore/aicore.sock, else .aicore/aicore.sock of an embedded agent here or in a parent directory). Over TCP $AICORE_TOKEN is the bearer token; $AICORE_TLS_CA a PEM file of certificates to trust.", valueName: "ADDRESS"))
    var host: String?

    /// The client for the agent; bad addresses exit 2.
    func client() throws -> AgentClient {
        let environment = ProcessInfo.processInfo.environment
        do {
            let found = Self.defaultSocket()
            let address = try AgentAddress.resolve(flag: host, environment: environment, defaultSocket: found.path)
            return AgentClient(address: address, token: environment["AICORE_TOKEN"].flatMap { $0.isEmpty ? nil : $0 },
                               trustRoots: environment["AICORE_TLS_CA"].flatMap { $0.isEmpty ? nil : $0 },
                               lookedFor: isExplicit ? nil : found.lookedFor)
        } catch {
            throw CLIFailure.invalid(error.message)
        }
    }

    /// The system agent's socket when it exists; else the embedded agent's (`up` with no agent
    /// running) in this directory or the nearest parent that has one, as stack files are found.
    /// `lookedFor` says where it looked, for the message when nothing answers.
    static func defaultSocket(from directory: String = FileManager.default.currentDirectoryPath) -> (path: String, lookedFor: String) {
        let system = AgentAddress.defaultSocketPath
        let lookedFor = "looked for \(system) and \(embeddedDirectoryName)/aicore.sock in \(directory) and its parents; set --host or $AICORE_HOST"
        if FileManager.default.fileExists(atPath: system) { return (system, lookedFor) }
        var current = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            let local = current.appendingPathComponent(embeddedDirectoryName + "/aicore.sock").path
            if FileManager.default.fileExists(atPath: local) { return (local, lookedFor) }
            let parent = current.deletingLastPathComponent()
            if parent.path == current.path { return (system, lookedFor) }
            current = parent
        }
    }

    /// Where `up` keeps an embedded agent's state, in the current directory.
    static let embeddedDirectoryName = ".aicore"

    /// Whether the user named an agent (then `up` never starts an embedded one).
    var isExplicit: Bool {
        host != nil || !(ProcessInfo.processInfo.environment["AICORE_HOST"] ?? "").isEmpty
    }
}

/// A failure the CLI reports in one line, with its exit code (1 failed, 2 invalid input).
struct CLIFailure: Error, CustomStringConvertible {
    var message: String
    var code: Int32
    var details: [String] = []

    var description: String { message }

    static func failed(_ message: String) -> CLIFailure { CLIFailure(message: message, code: ExitStatus.failure) }
    static func invalid(_ message: String, details: [String] = []) -> CLIFailure {
        CLIFailure(message: message, code: ExitStatus.invalidInput, details: details)
    }

    /// An agent's answer turned into the CLI's: 400/404/413/415/422 are the user's input (2),
    /// the rest failed operations (1). A 422's located spec errors come first, one per line.
    static func from(_ error: AICoreError) -> CLIFailure {
        let details = error.problem?.errors?.map(\.description) ?? []
        switch error.status {
        case 400?, 404?, 413?, 415?, 422?: return .invalid(error.message, details: details)
        default: return CLIFailure(message: error.message, code: ExitStatus.failure, details: details)
        }
    }
}

extension AgentClient {
    /// One JSON request; the answer decoded with the API's snake_case keys.
    func call<T: Decodable>(_ method: String, _ path: String, json body: (some Encodable)? = Optional<String>.none,
                            yaml: String? = nil, as type: T.Type, timeout: Duration = .seconds(60)) async throws -> T {
        var bytes: [UInt8]?
        var contentType: String?
        if let yaml {
            bytes = Array(yaml.utf8)
            contentType = "application/yaml"
        } else if let body {
            bytes = Array(try ControlAPI.encoder.encode(body))
            contentType = "application/json"
        }
        let response: AgentResponse
        do {
            response = try await send(method, path, body: bytes, contentType: contentType, timeout: timeout)
        } catch {
            throw CLIFailure.from(error)
        }
        do {
            return try ControlAPI.decoder.decode(T.self, from: Data(response.body))
        } catch {
            throw CLIFailure.failed("the agent's answer to \(method) \(path) does not decode: \(error)")
        }
    }
}

/// A value as the agent's JSON (snake_case keys), indented and with sorted keys, for people.
func prettyJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Percent-encodes a path segment or query value.
func urlEncoded(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
}
