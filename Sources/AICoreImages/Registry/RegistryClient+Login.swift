import AICoreErrors
import Foundation
import NIOHTTP1

extension RegistryClient {
    /// Checks `username` and `password` against `registry` as `docker login` does, before they
    /// are stored: `GET /v2/`, and on its challenge either the same request with Basic
    /// credentials, or a token from the registry's token service (with `account`, and no scope:
    /// a token that grants nothing but proves who the user is) presented on `/v2/`.
    ///
    /// A registry that asks for no authentication accepts any login, as with Docker. Mirrors
    /// are never asked: the credentials are the registry's own. Refused credentials are a
    /// one-line `.registryAuth` that names the registry and never the password.
    public nonisolated func verifyLogin(registry: String, username: String, password: String) async throws(AICoreError) {
        let name = RegistryAuthFile.normalizedRegistry(registry)
        let what = "login to \(name)"
        let credential = RegistryCredential.basic(username: username, password: password)
        let endpoints = await self.endpoints(for: name).filter { !$0.isMirror }
        var lastError: AICoreError?
        for (index, endpoint) in endpoints.enumerated() {
            let next = index + 1 < endpoints.count ? endpoints[index + 1] : nil
            do throws(AICoreError) {
                try await verifyLogin(at: endpoint, credential: credential, registry: name, what: what, canFallBack: next?.host == endpoint.host)
                await rememberScheme(of: endpoint, among: endpoints)
                logger.info("registry login verified", metadata: ["registry": "\(name)", "user": "\(username)"])
                return
            } catch {
                // As `send`: one scheme of a host allowed plain HTTP may fail for the other.
                guard error.code != .cancelled, let next, next.host == endpoint.host,
                      RegistryClient.isTransportFailure(error) || error.context["plainHTTPRefused"] != nil
                else { throw error }
                logger.debug("one scheme failed on a host allowed plain http; trying the other", metadata: ["endpoint": "\(endpoint)", "error": "\(error.message)"])
                lastError = error
            }
        }
        throw lastError ?? AICoreError(.registry, "\(what): no endpoint to reach \(name) at; check the registry configuration")
    }

    /// One endpoint: its challenge to an anonymous `GET /v2/`, answered with `credential`.
    nonisolated func verifyLogin(
        at endpoint: RegistryEndpoint, credential: RegistryCredential, registry: String, what: String, canFallBack: Bool
    ) async throws(AICoreError) {
        guard let url = URL(string: endpoint.baseURL + "/v2/") else {
            throw AICoreError(.invalidReference, "\(what): \(endpoint.baseURL)/v2/ is not a valid URL; check the registry name")
        }
        let anonymous = try await followingRedirects(.GET, url, headers: HTTPHeaders(), what: what)
        let status = anonymous.response.status.code
        if status == 200 {
            await RegistryClient.drain(anonymous.response)
            return
        }
        guard status == 401 else {
            if canFallBack, endpoint.scheme == .http, status == 400,
               !anonymous.response.headers.contains(name: "Docker-Distribution-Api-Version") {
                // A TLS server's answer to plain HTTP: the host speaks https.
                await RegistryClient.drain(anonymous.response)
                throw AICoreError(.registry, "\(what): \(endpoint.host) answered plain http with HTTP 400", context: ["status": "400", "plainHTTPRefused": "true"])
            }
            throw await statusError(anonymous.response, what: what, host: endpoint.host)
        }
        let challenges = AuthChallenge.parse(anonymous.response.headers["WWW-Authenticate"])
        await RegistryClient.drain(anonymous.response)
        guard case .basic(let username, let password) = credential else {
            throw AICoreError(.registryAuth, "\(what): only a user name and password can be verified")
        }
        let authorization: String
        if let bearer = challenges.first(where: { $0.scheme == "bearer" }), let realm = bearer.realm, !realm.isEmpty {
            let token: BearerToken
            do throws(AICoreError) {
                token = try await fetchToken(endpoint, realm: realm, service: bearer.parameters["service"], scope: nil, repository: "",
                                             credential: credential, what: what)
            } catch where error.code == .registryAuth && ["401", "403"].contains(error.context["status"] ?? "") {
                throw RegistryClient.loginRefused(registry)
            }
            authorization = "Bearer \(token.value)"
        } else if challenges.contains(where: { $0.scheme == "basic" }) {
            authorization = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        } else {
            let offered = challenges.map(\.scheme).joined(separator: ", ")
            throw AICoreError(.registryAuth, "\(what): registry \(registry) answered HTTP 401 asking for \(offered.isEmpty ? "no known authentication scheme" : offered), which aicore-node cannot use (Basic and Bearer only); check the registry address", context: ["status": "401"])
        }
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: authorization)
        let authenticated = try await followingRedirects(.GET, url, headers: headers, what: what)
        switch authenticated.response.status.code {
        case 200:
            await RegistryClient.drain(authenticated.response)
        case 401, 403:
            await RegistryClient.drain(authenticated.response)
            throw RegistryClient.loginRefused(registry)
        default:
            throw await statusError(authenticated.response, what: what, host: endpoint.host)
        }
    }

    /// The one line a refused login gets: the registry, never the user's secret.
    static func loginRefused(_ registry: String) -> AICoreError {
        AICoreError(.registryAuth, "login to \(registry) failed: the registry refused the username or password", context: ["status": "401"])
    }
}
