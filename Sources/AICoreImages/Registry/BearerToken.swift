/// A bearer token from a registry's token server, and when to stop using it.
struct BearerToken: Sendable {
    var value: String
    var expires: ContinuousClock.Instant

    /// A token is renewed a little before it expires, so that it does not lapse in flight.
    func isFresh(at now: ContinuousClock.Instant) -> Bool {
        now < expires - .seconds(5)
    }

    /// The token server's answer (Docker's token spec; OAuth2 names `access_token`).
    struct Response: Decodable {
        var token: String?
        var access_token: String?
        var expires_in: Int?
    }

    /// Docker's rule: a token lives 60 s unless the server says longer.
    static let minimumLifetime = 60
}
