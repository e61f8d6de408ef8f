import AsyncHTTPClient
import Foundation

/// One request's answer after redirects: the response (its body still streaming), where it
/// came from, and whether the chain left the origin it started at.
struct FollowedResponse: Sendable {
    var response: HTTPClientResponse
    var url: URL
    /// A redirect went to another scheme, host or port: the answer is not the registry's own
    /// (a 401 from blob storage is not a challenge to answer with the registry's credentials).
    var leftOrigin: Bool
}
