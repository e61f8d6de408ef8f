import NIOHTTP1

/// A request to a registry's API, before an endpoint is chosen: a method and a `/v2/…` path in
/// one repository, whose pull scope the bearer token must cover.
struct RegistryRequest: Sendable {
    var method: HTTPMethod
    /// `/v2/<repository>/manifests/<reference>`, `/v2/<repository>/blobs/<digest>`.
    var path: String
    var headers: HTTPHeaders = HTTPHeaders()
    /// As an `ImageReference` names it: `docker.io`, `host:5000`.
    var registry: String
    var repository: String
    /// What is being done, for messages: `resolving docker.io/library/redis:7`.
    var what: String

    /// The token scope a pull needs (Docker's token spec).
    var scope: String { "repository:\(repository):pull" }
}
