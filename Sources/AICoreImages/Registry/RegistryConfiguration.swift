import AICoreAddresses
import AICoreSystem

/// Which registries may be reached over plain HTTP, and the mirrors tried for Docker Hub: the
/// node's equivalent of Docker's `insecure-registries` and `registry-mirrors`.
public struct RegistryConfiguration: Sendable, Hashable {
    /// Registries that may be reached over plain HTTP: `host`, `host:port`, or an IPv4 CIDR
    /// (`10.0.0.0/8`). Loopback (127.0.0.0/8, `localhost`, `::1`) always may, as Docker allows.
    public var insecure: [String]
    /// Endpoints tried, in order, for images on Docker Hub before Docker Hub itself:
    /// `https://mirror.example.com`, `mirror.local:5000` (https, or http then https when
    /// `insecure` allows).
    public var mirrors: [String]

    /// Docker Hub's API. Tests point it at a local server: nothing they run may reach the
    /// Internet, even by mistake.
    var dockerHub = RegistryEndpoint(scheme: .https, host: "registry-1.docker.io", credentialRegistry: ImageReference.dockerHub)

    public init(insecure: [String] = [], mirrors: [String] = []) {
        self.insecure = insecure
        self.mirrors = mirrors
    }

    /// The endpoints to try, in order, for `registry` (an `ImageReference.registry`).
    ///
    /// Docker Hub gets its mirrors, then `https://registry-1.docker.io`. Any other registry gets
    /// https only, with TLS verification, unless it is allowed plain HTTP: then http first and
    /// https second. Docker tries https first there, but a TLS handshake sent to a plain-HTTP
    /// server can hang until the connect timeout (the server waits for the end of a request
    /// line that a ClientHello never sends), while plain HTTP sent to a TLS server is refused at
    /// once; and no credentials go out before the server has answered over that same scheme.
    public func endpoints(for registry: String) -> [RegistryEndpoint] {
        let name = registry.lowercased()
        if RegistryConfiguration.isDockerHub(name) {
            var endpoints: [RegistryEndpoint] = []
            for mirror in mirrors {
                endpoints += mirrorEndpoints(mirror)
            }
            endpoints.append(dockerHub)
            return endpoints
        }
        if allowsPlainHTTP(host: registry) {
            return [RegistryEndpoint(scheme: .http, host: registry), RegistryEndpoint(scheme: .https, host: registry)]
        }
        return [RegistryEndpoint(scheme: .https, host: registry)]
    }

    /// Whether `host` (`host[:port]`) may be reached over plain HTTP.
    public func allowsPlainHTTP(host: String) -> Bool {
        let (name, _) = RegistryConfiguration.splitHostPort(host.lowercased())
        if RegistryConfiguration.isLoopback(name) { return true }
        for entry in insecure {
            var pattern = entry.lowercased()
            for scheme in ["http://", "https://"] where pattern.hasPrefix(scheme) {
                pattern.removeFirst(scheme.count)
            }
            while pattern.hasSuffix("/") { pattern.removeLast() }
            if pattern.contains("/") {
                if let address = IPv4Address(name), let network = IPv4Network(pattern), network.contains(address) { return true }
                continue
            }
            // `host:port` allows that port only; a bare `host` allows every port of it.
            if pattern == host.lowercased() || pattern == name { return true }
        }
        return false
    }

    /// The names Docker Hub goes by in references and credential files.
    static func isDockerHub(_ registry: String) -> Bool {
        ["docker.io", "index.docker.io", "registry-1.docker.io"].contains(registry.lowercased())
    }

    static func isLoopback(_ name: String) -> Bool {
        if name == "localhost" || name == "::1" || name == "[::1]" { return true }
        if let address = IPv4Address(name) { return address.octets[0] == 127 }
        return false
    }

    private func mirrorEndpoints(_ mirror: String) -> [RegistryEndpoint] {
        var text = mirror
        var scheme: RegistryEndpoint.Scheme?
        if text.lowercased().hasPrefix("https://") {
            scheme = .https
            text.removeFirst("https://".count)
        } else if text.lowercased().hasPrefix("http://") {
            // An explicit http:// mirror is the configuration's own permission for plain HTTP.
            scheme = .http
            text.removeFirst("http://".count)
        }
        while text.hasSuffix("/") { text.removeLast() }
        // A mirror is a host, not a path inside one (Docker refuses those too).
        guard !text.isEmpty, !text.contains("/"), ImageReference.isValidRegistry(text) else { return [] }
        if let scheme {
            return [RegistryEndpoint(scheme: scheme, host: text, isMirror: true)]
        }
        if allowsPlainHTTP(host: text) {
            return [RegistryEndpoint(scheme: .http, host: text, isMirror: true), RegistryEndpoint(scheme: .https, host: text, isMirror: true)]
        }
        return [RegistryEndpoint(scheme: .https, host: text, isMirror: true)]
    }

    /// `host[:port]` → (host, port); an IPv6 address loses its brackets.
    static func splitHostPort(_ text: String) -> (host: String, port: Int?) {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            return (host, rest.hasPrefix(":") ? Int(rest.dropFirst()) : nil)
        }
        if let colon = text.lastIndex(of: ":"), text.firstIndex(of: ":") == colon {
            return (String(text[..<colon]), Int(text[text.index(after: colon)...]))
        }
        return (text, nil)
    }
}
