import Foundation

/// The pieces of a `scheme://user:password@host:port/path?query` URL, checked one by one so a
/// malformed URL gets a message saying which piece is wrong. Messages never echo the password.
struct URLParts {
    var scheme: String
    var user: String?
    var password: String?
    var host: String
    var port: Int?
    var path: String
    var query: [(String, String)]

    init(_ text: String, schemes: Set<String>, fail: (String) -> ConfigurationError) throws(ConfigurationError) {
        guard !text.isEmpty else { throw fail("is empty") }
        guard let separator = text.range(of: "://") else { throw fail("has no scheme") }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard schemes.contains(scheme) else {
            throw fail("the scheme \"\(scheme)\" is not one of \(schemes.sorted().joined(separator: ", "))")
        }
        // The port is checked on the text first: URLComponents only says "invalid" for a bad one.
        let authority = text[separator.upperBound...].prefix { $0 != "/" && $0 != "?" }
        let hostPort = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? ""
        if !hostPort.hasPrefix("["), let colon = hostPort.lastIndex(of: ":") {
            let portText = hostPort[hostPort.index(after: colon)...]
            guard portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber) else {
                throw fail("the port \"\(portText)\" is not a number")
            }
        }
        guard let components = URLComponents(string: text) else { throw fail("is not a valid URL") }
        guard let host = components.host, !host.isEmpty else { throw fail("the host is missing") }
        if let port = components.port, !(1...65535).contains(port) {
            throw fail("the port \(port) is out of range")
        }
        self.scheme = scheme
        self.user = components.user
        self.password = components.password
        self.host = host
        self.port = components.port
        self.path = components.path
        self.query = (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }
    }
}
