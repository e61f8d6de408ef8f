import AICoreAddresses
import Foundation
import Testing

@Suite struct IPv6AddressTests {
    @Test(arguments: ["", ":", ":::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::1", "::1/64",
                      "fe80::1%eth0", "1:2:3:4:5:6:7::8", "::1.2.3", "1.2.3.4", "::ffff:1.2.3.4:5", "[::1]", " ::1"])
    func anythingButAnIPv6AddressIsRefused(_ text: String) {
        #expect(IPv6Address(text) == nil)
    }

    /// RFC 5952's canonical text: lowercase, no leading zeros, the longest zero run (the first
    /// of equals, and never a single group) as `::`; mapped IPv4 keeps its dotted tail.
    @Test(arguments: [
        ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("2001:db8::0:1:0:0:0", "2001:db8:0:0:1::"),
        ("::", "::"),
        ("::1", "::1"),
        ("fd00::", "fd00::"),
        ("fd12:3456:789a:1::ff", "fd12:3456:789a:1::ff"),
        ("::ffff:10.0.0.1", "::ffff:10.0.0.1"),
        ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"),
    ])
    func formatsAsRFC5952Says(_ text: String, _ canonical: String) throws {
        let address = try #require(IPv6Address(text))
        #expect(address.description == canonical)
        #expect(IPv6Address(canonical) == address)
    }

    /// The same bytes as the C library's inet_pton.
    @Test(arguments: ["2001:db8::1", "fd00:aa:bb:cc::42", "::ffff:192.0.2.1", "1:2:3:4:5:6:7:8"])
    func agreesWithInetPton(_ text: String) throws {
        var raw = in6_addr()
        #expect(inet_pton(AF_INET6, text, &raw) == 1)
        let bytes = withUnsafeBytes(of: raw) { Array($0) }
        let address = try #require(IPv6Address(text))
        #expect(address.bytes == bytes)
        #expect(IPv6Address(bytes: bytes) == address)
    }

    @Test func networksContainAndOverlapByTheirPrefix() throws {
        let net = try #require(IPv6Network("fd12:3456:789a:1::77/64"))
        #expect(net.first.description == "fd12:3456:789a:1::")
        #expect(net.last.description == "fd12:3456:789a:1:ffff:ffff:ffff:ffff")
        #expect(net.normalized.description == "fd12:3456:789a:1::/64")
        #expect(net.contains(IPv6Address("fd12:3456:789a:1::1")!))
        #expect(!net.contains(IPv6Address("fd12:3456:789a:2::1")!))
        #expect(net.overlaps(IPv6Network("fd12:3456:789a::/48")!))
        #expect(IPv6Network("fd00::/8")!.overlaps(net))
        #expect(!net.overlaps(IPv6Network("fd12:3456:789a:2::/64")!))
        #expect(IPv6Network("::/0")!.contains(IPv6Address("2001:db8::1")!))
        #expect(IPv6Network("fd00::1/128")!.contains(IPv6Address("fd00::1")!))
        #expect(!IPv6Network("fd00::1/128")!.contains(IPv6Address("fd00::2")!))
        #expect(IPv6Network("fd00:1:2:3:8000::/65")!.first.description == "fd00:1:2:3:8000::")
        for bad in ["fd00::", "fd00::/129", "fd00::/-1", "fd00::/", "/64", "fd00::/64/1", "10.0.0.0/8"] {
            #expect(IPv6Network(bad) == nil, "\(bad)")
        }
    }

    @Test func theNthHostCountsFromTheNetworksFirstAddress() throws {
        let net = try #require(IPv6Network("fd00:1::/64"))
        #expect(net.address(at: 1)?.description == "fd00:1::1")
        #expect(net.address(at: 0x1_0000)?.description == "fd00:1::1:0")
        #expect(net.address(at: UInt64.max)?.description == "fd00:1::ffff:ffff:ffff:ffff")
        let small = try #require(IPv6Network("fd00::/126"))
        #expect(small.address(at: 3)?.description == "fd00::3")
        #expect(small.address(at: 4) == nil)
        // Carrying into the high half.
        #expect(IPv6Address("::ffff:ffff:ffff:ffff")!.adding(1).description == "0:0:0:1::")
    }

    @Test func reverseNamesAreNibblesUnderIP6Arpa() throws {
        let address = try #require(IPv6Address("2001:db8::567:89ab"))
        #expect(address.reverseName == "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa")
    }

    @Test func theyAreWrittenAsTextInJSON() throws {
        let data = try JSONEncoder().encode([IPv6Network("fd00:1::/64")!])
        #expect(String(decoding: data, as: UTF8.self) == #"["fd00:1::\/64"]"#)
        #expect(try JSONDecoder().decode([IPv6Address].self, from: Data(#"["FD00::01"]"#.utf8)) == [IPv6Address("fd00::1")!])
    }
}
