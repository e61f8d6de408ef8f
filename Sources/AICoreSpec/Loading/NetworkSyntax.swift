import AICoreAddresses
import Foundation

/// What the networking keys accept: IP addresses, MAC addresses, DNS names, interface names.
enum NetworkSyntax {
    static func isIPv6Address(_ text: String) -> Bool {
        guard text.contains(":") else { return false }
        var address = in6_addr()
        return inet_pton(AF_INET6, text, &address) == 1
    }

    static func isIPAddress(_ text: String) -> Bool {
        IPv4Address(text) != nil || isIPv6Address(text)
    }

    /// `fd00:1::/64`.
    static func isIPv6Network(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let prefix = Int(parts[1]) else {
            return false
        }
        return (0...128).contains(prefix) && isIPv6Address(String(parts[0]))
    }

    /// Six pairs of hex digits separated by `:` (or `-`).
    static func isMACAddress(_ text: String) -> Bool {
        macBytes(text) != nil
    }

    /// `02:42:ac:11:00:02` (or with `-`) as its six bytes.
    static func macBytes(_ text: String) -> [UInt8]? {
        let parts = text.split(omittingEmptySubsequences: false) { $0 == ":" || $0 == "-" }
        guard parts.count == 6, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isHexDigit) }) else { return nil }
        return parts.compactMap { UInt8($0, radix: 16) }
    }

    /// A Linux interface name: 1 to 15 bytes, no `/`, `:` or whitespace, not `.` or `..`.
    static func isInterfaceName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 15 && text != "." && text != ".."
            && text.allSatisfy { $0.isASCII && !$0.isWhitespace && $0 != "/" && $0 != ":" }
    }

    /// Letters, digits and `-` in dot-separated labels of at most 63 characters (RFC 1123).
    static func isDNSName(_ text: String) -> Bool {
        ServiceDecoder.isValidHostname(text)
    }
}
