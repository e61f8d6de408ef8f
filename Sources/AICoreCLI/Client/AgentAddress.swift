import AICoreErrors
import Foundation

/// Where the agent's REST API listens: a unix socket (the default) or a TCP address.
///
/// Accepted spellings: `unix:///run/aicore/aicore.sock`, a plain path (`/run/aicore/aicore.sock`,
/// `./aicore.sock`), and `http://HOST:PORT` (`tcp://HOST:PORT` too; IPv6 hosts in brackets).
public struct AgentAddress: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case unixSocket(path: String)
        case tcp(host: String, port: Int)
    }

    public static let defaultSocketPath = "/run/aicore/aicore.sock"
    /// `sockaddr_un.sun_path` holds 108 bytes, one of them the terminating NUL.
    static let maximumSocketPathLength = 107

    public var kind: Kind
    /// `https://HOST:PORT`: TCP with TLS.
    public var tls: Bool

    public init(kind: Kind, tls: Bool = false) {
        self.kind = kind
        self.tls = tls
    }

    public static func unixSocket(_ path: String) -> AgentAddress {
        AgentAddress(kind: .unixSocket(path: path))
    }

    public static func tcp(host: String, port: Int) -> AgentAddress {
        AgentAddress(kind: .tcp(host: host, port: port))
    }

    public var description: String {
        switch kind {
        case .unixSocket(let path):
            return path.hasPrefix("/") ? "unix://\(path)" : path
        case .tcp(let host, let port):
            return "\(tls ? "https" : "http")://\(Self.bracketed(host)):\(port)"
        }
    }

    /// The name TLS checks the certificate against (and sends as SNI); nil for an IP address,
    /// which is checked against the certificate's IP addresses instead.
    var tlsServerHostname: String? {
        guard case .tcp(let host, _) = kind else { return nil }
        let isIP = host.contains(":") || host.split(separator: ".").count == 4 && host.split(separator: ".").allSatisfy { UInt8($0) != nil }
        return isIP ? nil : host
    }

    /// The `Host` header to send: `localhost` over a unix socket, `HOST:PORT` over TCP.
    var hostHeader: String {
        switch kind {
        case .unixSocket:
            return "localhost"
        case .tcp(let host, let port):
            return "\(Self.bracketed(host)):\(port)"
        }
    }

    /// Parses one address; the error says what was wrong and what is accepted.
    public static func parse(_ text: String) throws(AICoreError) -> AgentAddress {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw .invalidAddress(text, "it is empty; use unix:///path/to/aicore.sock or http://HOST:PORT")
        }
        if trimmed.hasPrefix("/") || trimmed.hasPrefix("./") || trimmed.hasPrefix("../") {
            return try socket(trimmed, text: text)
        }
        guard let schemeEnd = trimmed.range(of: "://") else {
            throw .invalidAddress(
                text,
                "expected unix:///path/to/aicore.sock, a path starting with / or ./, or http://HOST:PORT")
        }
        let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
        let rest = String(trimmed[schemeEnd.upperBound...])
        switch scheme {
        case "unix":
            guard rest.hasPrefix("/") else {
                throw .invalidAddress(
                    text, "a unix socket address needs an absolute path, e.g. unix:///run/aicore/aicore.sock")
            }
            return try socket(rest, text: text)
        case "http", "tcp":
            return try tcpAddress(rest, text: text)
        case "https":
            var address = try tcpAddress(rest, text: text)
            address.tls = true
            return address
        default:
            throw .invalidAddress(text, "unsupported scheme '\(scheme)'; use unix:///path or http://HOST:PORT")
        }
    }

    /// The `--host` flag if given, else `AICORE_HOST` if set and not empty, else `defaultSocket`.
    public static func resolve(
        flag: String?,
        environment: [String: String],
        defaultSocket: String = AgentAddress.defaultSocketPath
    ) throws(AICoreError) -> AgentAddress {
        if let flag {
            do {
                return try parse(flag)
            } catch {
                throw error.prefixed("--host")
            }
        }
        if let value = environment["AICORE_HOST"], !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            do {
                return try parse(value)
            } catch {
                throw error.prefixed("AICORE_HOST")
            }
        }
        return try socket(defaultSocket, text: defaultSocket)
    }

    private static func socket(_ path: String, text: String) throws(AICoreError) -> AgentAddress {
        guard path.utf8.count <= maximumSocketPathLength else {
            throw .invalidAddress(
                text, "the socket path is \(path.utf8.count) bytes long; unix sockets allow at most \(maximumSocketPathLength)")
        }
        guard !path.utf8.contains(0) else {
            throw .invalidAddress(text, "the socket path contains a NUL byte")
        }
        return .unixSocket(path)
    }

    private static func tcpAddress(_ authority: String, text: String) throws(AICoreError) -> AgentAddress {
        var authority = Substring(authority)
        if authority.hasSuffix("/") { authority.removeLast() }
        if authority.contains(where: { "/?#".contains($0) }) {
            throw .invalidAddress(text, "an agent address is only HOST:PORT, without a path, query or fragment")
        }
        if authority.contains("@") {
            throw .invalidAddress(text, "credentials do not belong in the address; set AICORE_TOKEN instead")
        }
        let host: Substring
        let portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw .invalidAddress(text, "an IPv6 host needs a closing ']', e.g. http://[::1]:7070")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.isEmpty {
                portText = nil
            } else if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else {
                throw .invalidAddress(text, "expected ':PORT' after the IPv6 host")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
            if host.contains(":") {
                throw .invalidAddress(text, "write IPv6 hosts in brackets, e.g. http://[::1]:7070")
            }
        } else {
            host = authority
            portText = nil
        }
        guard !host.isEmpty else {
            throw .invalidAddress(text, "the host is missing; expected http://HOST:PORT")
        }
        guard let portText, !portText.isEmpty else {
            throw .invalidAddress(text, "the port is missing; expected http://HOST:PORT")
        }
        guard portText.allSatisfy(\.isASCIIDigit), portText.count <= 5,
            let port = Int(portText), (1...65535).contains(port)
        else {
            throw .invalidAddress(text, "'\(portText)' is not a port; expected a number from 1 to 65535")
        }
        return .tcp(host: String(host), port: port)
    }

    private static func bracketed(_ host: String) -> String {
        host.contains(":") ? "[\(host)]" : host
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

