/// The containers-registries.conf(5) (v2) and policy.json buildah gets for a build: made from
/// the node's own registry configuration, so a base image comes from the same mirrors and
/// plain-HTTP registries a pull uses, and nothing in /etc/containers (absent, or set up for
/// something else) changes where it comes from.
public enum BuildahRegistries {
    /// Short names resolve on Docker Hub, as Docker resolves them (`busybox` is
    /// `docker.io/library/busybox`), so Docker Hub's mirrors apply to them.
    public static func registriesConf(_ configuration: RegistryConfiguration, baseRegistries: [String] = []) -> String {
        var lines = [
            "unqualified-search-registries = [\"docker.io\"]",
            "short-name-mode = \"permissive\"",
            "",
            "[[registry]]",
            "prefix = \"docker.io\"",
            "location = \"registry-1.docker.io\"",
        ]
        for mirror in configuration.mirrors {
            guard let (location, insecure) = mirrorLocation(mirror, configuration) else { continue }
            lines += ["", "[[registry.mirror]]", "location = \(quoted(location))", "insecure = \(insecure)"]
        }
        // containers/image has no rule for "any port of this host" nor for an address range, so
        // the plain-HTTP registries are named one by one: the configured ones, and the loopback
        // ones (Docker's rule) that the Dockerfile's FROM lines name.
        var insecure: [String] = configuration.insecure.compactMap(plainLocation)
        for registry in baseRegistries where configuration.allowsPlainHTTP(host: registry) && !insecure.contains(registry) {
            insecure.append(registry)
        }
        for location in insecure where !RegistryConfiguration.isDockerHub(location) {
            lines += ["", "[[registry]]", "location = \(quoted(location))", "insecure = true"]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Every image is accepted as it is: the node verifies by digest what it stores, and signing
    /// policy for builds is not configured here.
    public static let policy = #"{"default":[{"type":"insecureAcceptAnything"}]}"# + "\n"

    /// A mirror as `[[registry.mirror]]` names it (a host, no scheme), and whether it may be
    /// reached over plain HTTP; nil for a mirror the registry client would skip too.
    static func mirrorLocation(_ mirror: String, _ configuration: RegistryConfiguration) -> (String, Bool)? {
        var text = mirror
        // As the registry client reads a mirror: a scheme is the configuration's word for it.
        var scheme: String?
        for prefix in ["https://", "http://"] where text.lowercased().hasPrefix(prefix) {
            text.removeFirst(prefix.count)
            scheme = prefix
        }
        while text.hasSuffix("/") { text.removeLast() }
        guard !text.isEmpty, !text.contains("/"), ImageReference.isValidRegistry(text) else { return nil }
        switch scheme {
        case "https://": return (text, false)
        case "http://": return (text, true)
        default: return (text, configuration.allowsPlainHTTP(host: text))
        }
    }

    /// An `insecure` entry as a registry location; nil for an address range, which
    /// registries.conf cannot express.
    static func plainLocation(_ entry: String) -> String? {
        var text = entry
        for scheme in ["http://", "https://"] where text.lowercased().hasPrefix(scheme) {
            text.removeFirst(scheme.count)
        }
        while text.hasSuffix("/") { text.removeLast() }
        guard !text.isEmpty, !text.contains("/") else { return nil }
        return text
    }

    /// The registries the `FROM` lines of `dockerfile` name explicitly (`host:5000/app`), for
    /// `registriesConf`. Only the image word of each FROM is read; stages and `scratch` name none.
    public static func baseRegistries(inDockerfile dockerfile: String) -> [String] {
        var registries: [String] = []
        for line in dockerfile.split(whereSeparator: \.isNewline) {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let first = words.first, first.uppercased() == "FROM" else { continue }
            guard let image = words.dropFirst().first(where: { !$0.hasPrefix("--") }) else { continue }
            guard let slash = image.firstIndex(of: "/") else { continue }
            let host = String(image[..<slash])
            // A first component is a registry when it looks like a host (as Docker decides).
            guard host.contains(".") || host.contains(":") || host == "localhost", !registries.contains(host) else { continue }
            registries.append(host)
        }
        return registries
    }

    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
