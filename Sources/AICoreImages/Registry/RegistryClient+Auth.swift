import AICoreErrors
import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1

extension RegistryClient {
    /// Sends `request` to the registry's endpoints in order: a mirror that fails or lacks the
    /// content falls through to the next endpoint, and so does one scheme of a host allowed
    /// plain HTTP when the host does not speak it (no connection, or a TLS server's 400 to plain
    /// HTTP). Anything else is the answer.
    nonisolated func send(_ request: RegistryRequest) async throws(AICoreError) -> RegistryAnswer {
        let endpoints = await self.endpoints(for: request.registry)
        var lastError: AICoreError?
        for (index, endpoint) in endpoints.enumerated() {
            let next = index + 1 < endpoints.count ? endpoints[index + 1] : nil
            do throws(AICoreError) {
                let answer = try await send(request, to: endpoint)
                let status = answer.response.status.code
                if let next, next.host == endpoint.host, endpoint.scheme == .http, status == 400,
                   !answer.response.headers.contains(name: "Docker-Distribution-Api-Version") {
                    // Not a registry's 400 but a TLS server's answer to plain HTTP ("Client sent
                    // an HTTP request to an HTTPS server"): the host speaks https.
                    logger.debug("the host answered plain http with 400; trying https", metadata: ["host": "\(endpoint.host)"])
                    lastError = await statusError(answer.response, what: request.what, host: endpoint.host)
                    continue
                }
                if endpoint.isMirror, next != nil, !(200..<300).contains(status) {
                    logger.info("a registry mirror does not have the content; trying the next endpoint", metadata: ["mirror": "\(endpoint)", "status": "\(status)", "path": "\(request.path)"])
                    lastError = await statusError(answer.response, what: request.what, host: endpoint.host)
                    continue
                }
                await rememberScheme(of: endpoint, among: endpoints)
                return answer
            } catch {
                guard error.code != .cancelled, let next else { throw error }
                if endpoint.isMirror {
                    logger.info("a registry mirror failed; trying the next endpoint", metadata: ["mirror": "\(endpoint)", "error": "\(error.message)"])
                } else if next.host == endpoint.host, RegistryClient.isTransportFailure(error) {
                    logger.debug("one scheme failed on a host allowed plain http; trying the other", metadata: ["endpoint": "\(endpoint)", "error": "\(error.message)"])
                } else {
                    throw error
                }
                lastError = error
            }
        }
        throw lastError ?? AICoreError(.registry, "\(request.what): no endpoint to reach \(request.registry) at; check the registry configuration")
    }

    /// One endpoint, answering its 401 once: the challenge says how to authenticate (a bearer
    /// token, or Basic), and the request goes again. A second 401 is final.
    nonisolated func send(_ request: RegistryRequest, to endpoint: RegistryEndpoint) async throws(AICoreError) -> RegistryAnswer {
        guard let url = URL(string: endpoint.baseURL + request.path) else {
            throw AICoreError(.invalidReference, "\(request.what): \(endpoint.baseURL)\(request.path) is not a valid URL")
        }
        let registry = endpoint.credentialRegistry
        for round in 0..<2 {
            var headers = request.headers
            if let authorization = try await authorization(for: endpoint, scope: request.scope, what: request.what) {
                headers.replaceOrAdd(name: "Authorization", value: authorization)
            }
            let followed = try await followingRedirects(request.method, url, headers: headers, what: request.what)
            let status = followed.response.status.code
            // Only the registry's own 401/403 are about its credentials: storage behind a
            // redirect has its own (signed URLs) and says nothing about ours.
            if status == 403, !followed.leftOrigin {
                let detail = await RegistryClient.registryErrorText(followed.response).map { " (\($0))" } ?? ""
                let who = try await credential(for: endpoint)?.who
                throw AICoreError(.registryAuth, "\(request.what): registry \(registry) denied \(who ?? "anonymous") pull access to \(request.repository) (HTTP 403)\(detail); check the name and that \(who ?? "you") may pull it, or log in with aicore-node login \(registry)", context: ["status": "403"])
            }
            guard status == 401, !followed.leftOrigin else {
                return RegistryAnswer(response: followed.response, endpoint: endpoint)
            }
            let challenges = AuthChallenge.parse(followed.response.headers["WWW-Authenticate"])
            await RegistryClient.drain(followed.response)
            if round == 1 {
                throw try await authenticationFailure(endpoint, repository: request.repository, what: request.what)
            }
            try await authenticate(endpoint, challenges: challenges, scope: request.scope, repository: request.repository, what: request.what)
        }
        throw AICoreError(.registryAuth, "\(request.what): registry \(registry) kept asking for authentication; check the credentials with aicore-node login \(registry)")
    }

    /// Learns how `endpoint` authenticates from its challenges, and gets what it needs: a fresh
    /// bearer token for `scope`, or credentials for Basic.
    nonisolated func authenticate(
        _ endpoint: RegistryEndpoint, challenges: [AuthChallenge], scope: String, repository: String, what: String
    ) async throws(AICoreError) {
        let registry = endpoint.credentialRegistry
        if let bearer = challenges.first(where: { $0.scheme == "bearer" }), let realm = bearer.realm, !realm.isEmpty {
            let scheme = AuthScheme.bearer(realm: realm, service: bearer.parameters["service"])
            await setAuthScheme(scheme, for: endpoint)
            let token = try await fetchToken(endpoint, realm: realm, service: bearer.parameters["service"], scope: scope, repository: repository,
                                             credential: try await credential(for: endpoint), what: what)
            await storeToken(token, for: TokenKey(endpoint: endpoint.baseURL, scope: scope))
            return
        }
        if challenges.contains(where: { $0.scheme == "basic" }) {
            await setAuthScheme(.basic, for: endpoint)
            guard try await credential(for: endpoint) != nil else {
                throw AICoreError(.registryAuth, "\(what): registry \(registry) requires credentials (HTTP 401) and none were found; log in with aicore-node login \(registry)", context: ["status": "401"])
            }
            return
        }
        let offered = challenges.map(\.scheme).joined(separator: ", ")
        throw AICoreError(.registryAuth, "\(what): registry \(registry) answered HTTP 401 asking for \(offered.isEmpty ? "no known authentication scheme" : offered), which aicore-node cannot use (Basic and Bearer only); check the registry address", context: ["status": "401"])
    }

    /// Why a request that was authenticated as well as possible still got a 401.
    nonisolated func authenticationFailure(_ endpoint: RegistryEndpoint, repository: String, what: String) async throws(AICoreError) -> AICoreError {
        let registry = endpoint.credentialRegistry
        let context = ["status": "401"]
        guard let credential = try await credential(for: endpoint) else {
            return AICoreError(.registryAuth, "\(what): registry \(registry) requires credentials to pull \(repository) (HTTP 401) and none were found; log in with aicore-node login \(registry)", context: context)
        }
        if await authScheme(for: endpoint) == .basic {
            return AICoreError(.registryAuth, "\(what): registry \(registry) refused the credentials for \(credential.who) (HTTP 401); check them with aicore-node login \(registry)", context: context)
        }
        return AICoreError(.registryAuth, "\(what): registry \(registry) denied \(credential.who) pull access to \(repository) (HTTP 401); check the repository name and that the user may pull it (aicore-node login \(registry))", context: context)
    }

    /// The `Authorization` value for a request to `endpoint`, once it is known how that
    /// endpoint authenticates: a cached or newly fetched bearer token, or Basic credentials.
    nonisolated func authorization(for endpoint: RegistryEndpoint, scope: String, what: String) async throws(AICoreError) -> String? {
        switch await authScheme(for: endpoint) {
        case nil:
            return nil
        case .basic:
            guard case .basic(let username, let password)? = try await credential(for: endpoint) else { return nil }
            return "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        case .bearer(let realm, let service):
            let key = TokenKey(endpoint: endpoint.baseURL, scope: scope)
            if let token = await freshToken(for: key) { return "Bearer \(token.value)" }
            let token = try await fetchToken(endpoint, realm: realm, service: service, scope: scope, repository: RegistryClient.repository(ofScope: scope),
                                             credential: try await credential(for: endpoint), what: what)
            await storeToken(token, for: key)
            return "Bearer \(token.value)"
        }
    }

    /// A bearer token from the token server `realm` (Docker's token authentication). With an
    /// identity token this is OAuth2's refresh-token grant (a form POST); otherwise a GET,
    /// with the user's Basic credentials when there are any and anonymously when not.
    ///
    /// `scope` nil asks for a token that grants nothing but proves who the user is: what
    /// `login` checks credentials with, as `docker login` does.
    nonisolated func fetchToken(
        _ endpoint: RegistryEndpoint, realm: String, service: String?, scope: String?, repository: String,
        credential: RegistryCredential?, what: String
    ) async throws(AICoreError) -> BearerToken {
        let registry = endpoint.credentialRegistry
        guard var components = URLComponents(string: realm), let scheme = components.scheme?.lowercased(),
              scheme == "https" || scheme == "http", let realmURL = components.url, components.host?.isEmpty == false
        else {
            throw AICoreError(.registryAuth, "\(what): registry \(registry) names a token service \"\(realm)\" that is not an http(s) URL; check the registry's auth configuration")
        }
        let realmHost = RegistryClient.hostPort(of: realmURL)
        if scheme == "http", !configuration.allowsPlainHTTP(host: realmHost) {
            throw AICoreError(.registryAuth, "\(what): registry \(registry) sends tokens over plain http from \(realmHost); add that host to the insecure registries only if it is trusted")
        }
        var headers = HTTPHeaders()
        headers.add(name: "Accept", value: "application/json")
        let followed: FollowedResponse
        if case .identityToken(let refreshToken, _)? = credential {
            var form = [("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", "aicore-node")]
            if let scope { form.append(("scope", scope)) }
            if let service { form.append(("service", service)) }
            headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            let body = form.map { "\(RegistryClient.formEncode($0.0))=\(RegistryClient.formEncode($0.1))" }.joined(separator: "&")
            followed = try await followingRedirects(.POST, realmURL, headers: headers, body: Array(body.utf8), what: what)
        } else {
            var items = components.queryItems ?? []
            if let service { items.append(URLQueryItem(name: "service", value: service)) }
            if let scope { items.append(URLQueryItem(name: "scope", value: scope)) }
            if case .basic(let username, let password)? = credential {
                items.append(URLQueryItem(name: "account", value: username))
                headers.add(name: "Authorization", value: "Basic " + Data("\(username):\(password)".utf8).base64EncodedString())
            }
            components.queryItems = items
            guard let url = components.url else {
                throw AICoreError(.registryAuth, "\(what): the token request to \(realm) cannot be formed; check the registry's auth configuration")
            }
            followed = try await followingRedirects(.GET, url, headers: headers, what: what)
        }
        let status = followed.response.status.code
        switch status {
        case 200:
            break
        case 401, 403:
            await RegistryClient.drain(followed.response)
            let context = ["status": "\(status)"]
            if let credential {
                throw AICoreError(.registryAuth, "\(what): registry \(registry) refused the credentials for \(credential.who) (HTTP \(status)); check them with aicore-node login \(registry)", context: context)
            }
            throw AICoreError(.registryAuth, "\(what): registry \(registry) requires credentials to pull \(repository) (HTTP \(status)) and none were found; log in with aicore-node login \(registry)", context: context)
        default:
            throw await statusError(followed.response, what: "\(what): getting a token from \(realmHost)", host: realmHost)
        }
        let body = try await readBody(followed.response, limit: 1 << 20, what: "\(what): the token from \(realmHost)", host: realmHost)
        let answer: BearerToken.Response
        do {
            answer = try JSONDecoder().decode(BearerToken.Response.self, from: Data(body))
        } catch {
            throw AICoreError(.registryAuth, "\(what): the token service \(realmHost) answered with something that is not a token; check the registry's auth configuration", cause: error)
        }
        guard let value = [answer.token, answer.access_token].compactMap({ $0 }).first(where: { !$0.isEmpty }) else {
            throw AICoreError(.registryAuth, "\(what): the token service \(realmHost) answered without a token; check the registry's auth configuration")
        }
        let lifetime = max(answer.expires_in ?? BearerToken.minimumLifetime, BearerToken.minimumLifetime)
        logger.debug("got a registry token", metadata: ["registry": "\(registry)", "scope": "\(scope ?? "none")", "expiresIn": "\(lifetime)"])
        return BearerToken(value: value, expires: ContinuousClock.now + .seconds(lifetime))
    }

    // MARK: State

    func authScheme(for endpoint: RegistryEndpoint) -> AuthScheme? {
        authSchemes[endpoint.baseURL]
    }

    func setAuthScheme(_ scheme: AuthScheme, for endpoint: RegistryEndpoint) {
        authSchemes[endpoint.baseURL] = scheme
    }

    func freshToken(for key: TokenKey) -> BearerToken? {
        guard let token = tokens[key] else { return nil }
        if token.isFresh(at: .now) { return token }
        tokens[key] = nil
        return nil
    }

    func storeToken(_ token: BearerToken, for key: TokenKey) {
        tokens[key] = token
    }

    // MARK: Helpers

    static func isTransportFailure(_ error: AICoreError) -> Bool {
        [.unreachable, .protocolViolation, .timeout].contains(error.code) && error.context["status"] == nil
    }

    static func repository(ofScope scope: String) -> String {
        let parts = scope.split(separator: ":")
        return parts.count >= 3 ? parts[1..<(parts.count - 1)].joined(separator: ":") : scope
    }

    /// `application/x-www-form-urlencoded` value encoding: everything but unreserved characters.
    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
