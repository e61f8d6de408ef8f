import AICoreErrors
import AICoreImages

extension ControlPlane {
    /// The node's registry client: the one that pulls, so that a login is what its pulls use.
    func registryClient() throws(AICoreError) -> RegistryClient {
        guard let client = try imageService().registry as? RegistryClient else {
            throw AICoreError(.unavailable, "this node has no registry client to log in with")
        }
        return client
    }

    /// `login`: checks the credentials against the registry (as `docker login` does), then
    /// keeps them in the agent's own credentials file (`<state>/auth.json`, 0600). Nothing is
    /// stored when the registry refuses them or cannot be reached.
    public func login(_ request: RegistryLoginRequest) async throws(AICoreError) -> RegistryLogin {
        let registry = try RegistryCredentials.registryName(request.registry)
        guard !request.username.isEmpty else {
            throw AICoreError(.badRequest, "login to \(registry): a username is required")
        }
        guard !request.password.isEmpty else {
            throw AICoreError(.badRequest, "login to \(registry): a password is required")
        }
        let client = try registryClient()
        do throws(AICoreError) {
            try await client.verifyLogin(registry: registry, username: request.username, password: request.password)
        } catch {
            throw Self.upstream(error)
        }
        try await client.credentials.store(registry: registry, username: request.username, password: request.password)
        await client.forgetCredentials(registry: registry)
        logger.info("logged in to a registry", metadata: ["registry": "\(registry)", "user": "\(request.username)"])
        return RegistryLogin(registry: registry, username: request.username)
    }

    /// `logout`: forgets the registry's credentials in the agent's own file; says whether there
    /// were any. Credentials in Docker's or podman's files are theirs, and stay.
    public func logout(_ request: RegistryLogoutRequest) async throws(AICoreError) -> RegistryLogout {
        let registry = try RegistryCredentials.registryName(request.registry)
        let client = try registryClient()
        let removed = try await client.credentials.remove(registry: registry)
        await client.forgetCredentials(registry: registry)
        if removed { logger.info("logged out of a registry", metadata: ["registry": "\(registry)"]) }
        return RegistryLogout(registry: registry, removed: removed)
    }
}

extension ControlPlane {
    /// A registry that could not be reached, timed out or spoke nonsense failed the request,
    /// not the agent: a 502 like every other upstream failure, not the agent's own 500 (nor
    /// the 409 `.timeout` means for a gate).
    static func upstream(_ error: AICoreError) -> AICoreError {
        guard [.unreachable, .timeout, .protocolViolation].contains(error.code) else { return error }
        return AICoreError(.registry, error.message, cause: error, context: error.context)
    }
}
