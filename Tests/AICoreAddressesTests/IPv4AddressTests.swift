import AICoreAddresses
import Testing

@Suite struct IPv4AddressTests {
    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01234.1.1.1", "1..2.3", "a.b.c.d", "1.2.3.٤", "+1.2.3.4"])
    func anythingButADottedQuadIsRefused(_ text: String) {
        #expect(IPv4Address(text) == nil)
    }

    @Test func aDottedQuadRoundTrips() throws {
        let address = try #require(IPv4Address("10.201.3.254"))
        #expect(address.value == 0x0AC9_03FE)
        #expect(address.octets == [10, 201, 3, 254])
        #expect(address.description == "10.201.3.254")
        #expect(IPv4Address("10.0.0.1")! < IPv4Address("10.0.0.2")!)
    }

    @Test func networksContainAndOverlapByTheirPrefix() throws {
        let net = try #require(IPv4Network("10.201.3.77/24"))
        #expect(net.first.description == "10.201.3.0")
        #expect(net.last.description == "10.201.3.255")
        #expect(net.size == 256)
        #expect(net.contains(IPv4Address("10.201.3.1")!))
        #expect(!net.contains(IPv4Address("10.201.4.1")!))
        #expect(net.overlaps(IPv4Network("10.201.0.0/16")!))
        #expect(IPv4Network("10.201.0.0/16")!.overlaps(net))
        #expect(!net.overlaps(IPv4Network("10.201.4.0/24")!))
        #expect(IPv4Network("0.0.0.0/0")!.contains(IPv4Address("192.0.2.1")!))
        for bad in ["10.0.0.0", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "/24", "10.0.0.0/24/1"] {
            #expect(IPv4Network(bad) == nil, "\(bad)")
        }
    }
}
