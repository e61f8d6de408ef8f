/// One place a registry's API is reached at: a scheme and a `host[:port]`, e.g.
/// `https://registry-1.docker.io` for Docker Hub or `http://127.0.0.1:5000` for a local registry.
public struct RegistryEndpoint: Sendable, Hashable, CustomStringConvertible {
    public enum Scheme: String, Sendable, Hashable {
        case http, https
    }

    public var scheme: Scheme
    /// `host[:port]`; an IPv6 address is bracketed (`[::1]:5000`).
    public var host: String
    /// A mirror of Docker Hub: any failure there falls back to the next endpoint.
    public var isMirror: Bool
    /// Whose credentials this endpoint is sent: a mirror's own, never Docker Hub's, so that a
    /// mirror operator does not receive the user's Hub password.
    public var credentialRegistry: String

    public init(scheme: Scheme, host: String, isMirror: Bool = false, credentialRegistry: String? = nil) {
        self.scheme = scheme
        self.host = host
        self.isMirror = isMirror
        self.credentialRegistry = credentialRegistry ?? host
    }

    /// `scheme://host[:port]`, with no trailing slash.
    public var baseURL: String { "\(scheme.rawValue)://\(host)" }

    public var description: String { baseURL }
}
