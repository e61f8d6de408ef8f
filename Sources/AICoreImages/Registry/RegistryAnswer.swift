import AsyncHTTPClient

/// A registry's answer to a `RegistryRequest`, with the endpoint that gave it.
struct RegistryAnswer: Sendable {
    var response: HTTPClientResponse
    var endpoint: RegistryEndpoint
}
