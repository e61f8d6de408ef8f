import AICoreErrors
import AsyncHTTPClient
import Logging
import NIOCore

/// Pulls from registries speaking the OCI distribution spec (v2), with Docker's authentication:
/// resolves tags, fetches manifests (verified against their digests) and streams blobs to disk,
/// resuming interrupted downloads.
///
/// The actor owns what is learnt along the way: each endpoint's authentication scheme, bearer
/// tokens until they expire, credentials once looked up, and which scheme loopback or insecure
/// hosts answer on. The bytes themselves are read and hashed outside the actor
/// (`nonisolated` operations), so concurrent blob downloads do not queue behind each other.
///
/// Redirects are followed here, not by AsyncHTTPClient (which is configured never to follow
/// them): the `Authorization` header is dropped as soon as a redirect leaves the registry's
/// scheme, host and port, so credentials never reach the storage a blob redirects to.
///
/// Call `shutdown()` when done: the HTTP client's connections live until then.
public actor RegistryClient {
    public struct Options: Sendable {
        /// A download that receives nothing for this long is abandoned and retried, resuming
        /// where it stopped.
        public var stallTimeout: Duration
        public var connectTimeout: Duration
        /// Tries per request (the first included) on connection errors, stalls and 5xx answers.
        /// A blob download that made progress starts its count again.
        public var maxAttempts: Int
        /// The pause after the first failure; it doubles after each, up to `maximumBackoff`.
        public var initialBackoff: Duration
        public var maximumBackoff: Duration
        /// The largest manifest or index accepted (containerd's and Docker's limit).
        public var maximumManifestSize: Int

        public init(
            stallTimeout: Duration = .seconds(30),
            connectTimeout: Duration = .seconds(10),
            maxAttempts: Int = 4,
            initialBackoff: Duration = .milliseconds(500),
            maximumBackoff: Duration = .seconds(10),
            maximumManifestSize: Int = 4 << 20
        ) {
            self.stallTimeout = stallTimeout
            self.connectTimeout = connectTimeout
            self.maxAttempts = max(1, maxAttempts)
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
            self.maximumManifestSize = maximumManifestSize
        }
    }

    /// How an endpoint asked to be authenticated to.
    enum AuthScheme: Sendable, Hashable {
        case basic
        case bearer(realm: String, service: String?)
    }

    struct TokenKey: Hashable, Sendable {
        var endpoint: String
        var scope: String
    }

    public nonisolated let configuration: RegistryConfiguration
    public nonisolated let options: Options
    /// Where credentials are looked up, and where `login` stores them.
    public nonisolated let credentials: RegistryCredentials
    nonisolated let logger: Logger
    nonisolated let http: LazyHTTPClient

    /// Credentials by registry, once looked up (a miss is remembered too: helpers are slow).
    var credentialCache: [String: RegistryCredential?] = [:]
    /// By endpoint base URL.
    var authSchemes: [String: AuthScheme] = [:]
    var tokens: [TokenKey: BearerToken] = [:]
    /// The scheme each host answered on, where the configuration offers two: the other is not
    /// tried again.
    var knownSchemes: [String: RegistryEndpoint.Scheme] = [:]

    public init(
        configuration: RegistryConfiguration = RegistryConfiguration(),
        credentials: RegistryCredentials = .none,
        options: Options = Options(),
        logger: Logger
    ) {
        self.configuration = configuration
        self.credentials = credentials
        self.options = options
        self.logger = logger
        var http = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(
                connect: TimeAmount(options.connectTimeout),
                read: TimeAmount(options.stallTimeout)
            ),
            decompression: .disabled
        )
        // TLS verification stays on (the default): plain HTTP is the only relaxation, and only
        // for endpoints the configuration allows.
        http.httpVersion = .automatic
        self.http = LazyHTTPClient(configuration: http, logger: logger)
    }

    /// Closes every connection. The client must not be used afterwards.
    public func shutdown() async {
        do {
            try await http.shutdown()
        } catch {
            logger.warning("closing the registry client's connections failed", metadata: ["error": "\(error)"])
        }
    }

    /// The endpoints for `registry`, less the schemes its hosts are known not to answer on.
    func endpoints(for registry: String) -> [RegistryEndpoint] {
        configuration.endpoints(for: registry).filter { endpoint in
            knownSchemes[endpoint.host].map { $0 == endpoint.scheme } ?? true
        }
    }

    func rememberScheme(of endpoint: RegistryEndpoint, among endpoints: [RegistryEndpoint]) {
        if endpoints.contains(where: { $0.host == endpoint.host && $0.scheme != endpoint.scheme }) {
            knownSchemes[endpoint.host] = endpoint.scheme
        }
    }

    /// Forgets what was learnt of `registry`'s credentials (a cached lookup, even a miss, and
    /// the tokens got with them), so that the next request looks them up again: after a login
    /// or a logout.
    public func forgetCredentials(registry: String) {
        let wanted = RegistryAuthFile.normalizedRegistry(registry)
        for key in credentialCache.keys where RegistryAuthFile.normalizedRegistry(key) == wanted {
            credentialCache[key] = nil
        }
        let endpoints = Set(configuration.endpoints(for: wanted).filter { !$0.isMirror }.map(\.baseURL))
        for key in tokens.keys where endpoints.contains(key.endpoint) {
            tokens[key] = nil
        }
    }

    /// The credential for the registry an endpoint serves, looked up once per client.
    func credential(for endpoint: RegistryEndpoint) async throws(AICoreError) -> RegistryCredential? {
        let registry = endpoint.credentialRegistry
        if let cached = credentialCache[registry] { return cached }
        let found = try await credentials.lookup(registry: registry)
        credentialCache[registry] = .some(found)
        return found
    }
}
