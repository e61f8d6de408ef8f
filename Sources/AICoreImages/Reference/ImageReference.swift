import AICoreErrors

/// An image reference as Docker and Compose write it, normalised as Docker does
/// (distribution/reference): `redis` is `docker.io/library/redis:latest`, `me/app:1` is
/// `docker.io/me/app:1`, `localhost:5000/app@sha256:…` names a local registry and a digest.
///
/// The first path component is a registry host when it holds a `.` or a `:` or is `localhost`;
/// otherwise the image is on Docker Hub, where one-component names live under `library/`.
public struct ImageReference: Hashable, Sendable, CustomStringConvertible {
    /// The registry host, with its port when given: `docker.io`, `registry.local:5000`.
    public let registry: String
    /// The repository path inside the registry: `library/redis`, `team/api`.
    public let repository: String
    /// The tag, if one was given or implied (`latest` when neither a tag nor a digest was).
    public let tag: String?
    /// The digest, if one was given: it wins over the tag when both are.
    public let digest: Digest?

    public static let dockerHub = "docker.io"

    public init(parsing text: String) throws(AICoreError) {
        guard !text.isEmpty else { throw Self.invalid(text, "the reference is empty") }
        guard text.utf8.count <= 4096, !text.contains(where: { $0.isWhitespace }) else {
            throw Self.invalid(text, "a reference holds no spaces")
        }
        var rest = Substring(text)
        var digest: Digest?
        if let at = rest.firstIndex(of: "@") {
            digest = try Digest(parsing: String(rest[rest.index(after: at)...]))
            rest = rest[..<at]
        }
        var tag: String?
        // A tag follows the last ':' that comes after the last '/' (a ':' before it is a port).
        let lastSlash = rest.lastIndex(of: "/")
        if let colon = rest.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
            let value = String(rest[rest.index(after: colon)...])
            guard Self.isValidTag(value) else {
                throw Self.invalid(text, "the tag \"\(value)\" must be 1–128 of letters, digits, '_', '.' and '-', not starting with '.' or '-'")
            }
            tag = value
            rest = rest[..<colon]
        }
        let name = String(rest)
        guard !name.isEmpty else { throw Self.invalid(text, "the repository name is empty") }

        var registry = Self.dockerHub
        var path = name
        if let slash = name.firstIndex(of: "/") {
            let first = String(name[..<slash])
            if first.contains(".") || first.contains(":") || first == "localhost" || first.contains(where: { $0.isUppercase }) {
                registry = first
                path = String(name[name.index(after: slash)...])
            }
        }
        if registry == "index.docker.io" || registry == "registry-1.docker.io" { registry = Self.dockerHub }
        guard Self.isValidRegistry(registry) else {
            throw Self.invalid(text, "\"\(registry)\" is not a registry host[:port]")
        }
        if registry == Self.dockerHub, !path.contains("/") { path = "library/" + path }
        for component in path.split(separator: "/", omittingEmptySubsequences: false) {
            guard Self.isValidPathComponent(component) else {
                throw Self.invalid(text, "the repository component \"\(component)\" must be lowercase letters and digits, separated by '.', '_', '__' or '-'")
            }
        }
        guard registry.utf8.count + 1 + path.utf8.count <= 255 else {
            throw Self.invalid(text, "the name is longer than 255 characters")
        }
        self.registry = registry
        self.repository = path
        self.digest = digest
        self.tag = tag ?? (digest == nil ? "latest" : nil)
    }

    public init(registry: String, repository: String, tag: String?, digest: Digest?) {
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    /// `registry/repository`, with no tag or digest.
    public var name: String { "\(registry)/\(repository)" }

    /// The fully qualified reference: `docker.io/library/redis:7`, `host:5000/app@sha256:…`.
    public var description: String {
        var text = name
        if let tag { text += ":\(tag)" }
        if let digest { text += "@\(digest)" }
        return text
    }

    /// The short form Docker shows: `redis:7`, `me/app:1`, `host:5000/app:2`.
    public var familiar: String {
        var text = name
        if registry == Self.dockerHub {
            text = repository.hasPrefix("library/") && repository.split(separator: "/").count == 2
                ? String(repository.dropFirst("library/".count)) : repository
        }
        if let tag { text += ":\(tag)" }
        if let digest { text += "@\(digest)" }
        return text
    }

    /// The same repository at `digest` (the tag kept, for display).
    public func pinned(to digest: Digest) -> ImageReference {
        ImageReference(registry: registry, repository: repository, tag: tag, digest: digest)
    }

    /// The host the registry's API is served from: Docker Hub's is not `docker.io`.
    public var apiHost: String { registry == Self.dockerHub ? "registry-1.docker.io" : registry }

    /// The key Docker's `config.json` keeps this registry's credentials under.
    public var credentialKey: String { registry == Self.dockerHub ? "https://index.docker.io/v1/" : registry }

    // MARK: Grammar (distribution/reference)

    static func isValidTag(_ tag: String) -> Bool {
        let bytes = Array(tag.utf8)
        guard (1...128).contains(bytes.count), let first = bytes.first, first != UInt8(ascii: "."), first != UInt8(ascii: "-") else {
            return false
        }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
    static func isValidPathComponent(_ component: Substring) -> Bool {
        let bytes = Array(component.utf8)
        guard let first = bytes.first, let last = bytes.last, isLowerAlphanumeric(first), isLowerAlphanumeric(last) else {
            return false
        }
        var index = 0
        while index < bytes.count {
            if isLowerAlphanumeric(bytes[index]) { index += 1; continue }
            // A separator run: one '.', one '_', two '_', or any number of '-'.
            var run = index
            while run < bytes.count, !isLowerAlphanumeric(bytes[run]) { run += 1 }
            let separator = bytes[index..<run]
            let valid = separator.elementsEqual([UInt8(ascii: ".")]) || separator.elementsEqual([UInt8(ascii: "_")])
                || separator.elementsEqual([UInt8(ascii: "_"), UInt8(ascii: "_")])
                || separator.allSatisfy { $0 == UInt8(ascii: "-") }
            guard valid else { return false }
            index = run
        }
        return true
    }

    /// A DNS name or IPv4 address, or a bracketed IPv6 address, with an optional `:port`.
    static func isValidRegistry(_ registry: String) -> Bool {
        var host = Substring(registry)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let address = host[host.index(after: host.startIndex)..<close]
            guard !address.isEmpty, address.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return false }
            host = host[host.index(after: close)...]
            if host.isEmpty { return true }
            guard host.hasPrefix(":") else { return false }
            return isValidPort(host.dropFirst())
        }
        if let colon = host.lastIndex(of: ":") {
            guard isValidPort(host[host.index(after: colon)...]) else { return false }
            host = host[..<colon]
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return !labels.isEmpty && labels.allSatisfy { label in
            let bytes = Array(label.utf8)
            guard let first = bytes.first, let last = bytes.last, isAlphanumeric(first), isAlphanumeric(last) else { return false }
            return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
        }
    }

    private static func isValidPort(_ port: Substring) -> Bool {
        guard !port.isEmpty, port.count <= 5, let value = Int(port) else { return false }
        return (1...65535).contains(value) && port.allSatisfy(\.isASCII)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isLowerAlphanumeric(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    private static func invalid(_ text: String, _ why: String) -> AICoreError {
        AICoreError(.invalidReference, "invalid image reference \"\(text)\": \(why)")
    }
}
