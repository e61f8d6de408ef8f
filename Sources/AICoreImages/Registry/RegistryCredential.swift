/// What a registry is logged in with: a user name and password (or access token used as one),
/// or an identity token (Docker's `identitytoken`, a credential helper's `<token>` user), which
/// is exchanged for bearer tokens with OAuth2's refresh-token grant.
public enum RegistryCredential: Sendable, Hashable, CustomStringConvertible {
    case basic(username: String, password: String)
    case identityToken(String, username: String?)

    /// The user name to show in messages; never the secret.
    public var username: String? {
        switch self {
        case .basic(let username, _): username
        case .identityToken(_, let username): username
        }
    }

    /// Who this is, for messages: `user "alice"`, or `an identity token`.
    var who: String {
        switch self {
        case .basic(let username, _): "user \"\(username)\""
        case .identityToken(_, let username?) where !username.isEmpty && username != "<token>": "user \"\(username)\" (identity token)"
        case .identityToken: "an identity token"
        }
    }

    /// The secret is never printed, so that a log of a credential does not leak it.
    public var description: String {
        switch self {
        case .basic(let username, _): "basic(\(username), ****)"
        case .identityToken(_, let username): "identityToken(\(username ?? "-"), ****)"
        }
    }
}
