import AICoreAddresses
import AICoreErrors
import AICoreSystem

/// The parts of a resolv.conf the resolver uses: the host's upstream servers and search domains,
/// and the file an instance gets.
public struct ResolvConf: Hashable, Sendable {
    /// The resolver's address inside every instance's namespace.
    public static let resolverAddress = IPv4Address(0x7F00_000B)

    public var nameservers: [IPv4Address]
    public var search: [String]
    public var options: [String]

    public init(nameservers: [IPv4Address] = [], search: [String] = [], options: [String] = []) {
        self.nameservers = nameservers
        self.search = search
        self.options = options
    }

    /// Reads resolv.conf text as glibc does: `nameserver`, `search` (the last of `search` and
    /// `domain` wins) and `options` lines; `#` and `;` start comments. IPv6 nameservers are
    /// skipped (upstreams are IPv4 for now), and so is 127.0.0.11 (it would be ourselves).
    public init(parsing text: String) {
        self.init()
        for line in text.split(whereSeparator: \.isNewline) {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let keyword = words.first, !keyword.hasPrefix("#"), !keyword.hasPrefix(";") else { continue }
            let values = words.dropFirst().prefix { !$0.hasPrefix("#") && !$0.hasPrefix(";") }.map(String.init)
            switch keyword {
            case "nameserver":
                if let text = values.first, let address = IPv4Address(text), address != Self.resolverAddress {
                    nameservers.append(address)
                }
            case "search", "domain":
                search = values
            case "options":
                options += values
            default:
                continue
            }
        }
    }

    /// Reads the file at `path` (the host's, /etc/resolv.conf by default). A missing file is
    /// an empty configuration: glibc then uses no search domains, and we have no upstream.
    /// Blocking: call it from a thread that may block.
    public static func load(path: String = "/etc/resolv.conf") throws(AICoreError) -> ResolvConf {
        do throws(SystemError) {
            // Followed: on systemd-resolved hosts /etc/resolv.conf is a symlink into /run.
            guard let bytes = try FileIO.readIfExists(path) else { return ResolvConf() }
            return ResolvConf(parsing: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw AICoreError(.systemCall, "cannot read \(path): \(error)", cause: error)
        }
    }

    /// The resolv.conf of an instance: our resolver only; the service's `dns_search` if it has
    /// one, else the host's search domains; `ndots:0` (a dotted name is tried as written first,
    /// so `postgres` and `api.internal` never wait on search domains) unless the service's
    /// `dns_opt` sets ndots itself, then its options.
    public static func instanceFile(hostSearch: [String], dnsSearch: [String]? = nil, dnsOptions: [String] = []) -> String {
        var lines = ["nameserver \(resolverAddress)"]
        let search = dnsSearch ?? hostSearch
        if !search.isEmpty { lines.append("search " + search.joined(separator: " ")) }
        let ownNdots = dnsOptions.contains { $0.hasPrefix("ndots:") }
        let options = (ownNdots ? [] : ["ndots:0"]) + dnsOptions
        lines.append("options " + options.joined(separator: " "))
        return lines.joined(separator: "\n") + "\n"
    }
}
