import AICoreSystem
import Testing
@testable import AICoreOS

@Suite struct CapabilitySetTests {
    @Test func rootGetsDockersFourteenLessNetRaw() throws {
        let set = try CapabilitySet.resolve(uid: 0, add: [], drop: [])
        #expect(set.numbers.count == 13)
        #expect(Set(set.names) == Set(CapabilitySet.rootDefaultNames))
        #expect(!set.names.contains("CAP_NET_RAW"), "raw sockets on the host network are opt-in")
        #expect(try CapabilitySet.resolve(uid: 0, add: ["NET_RAW"], drop: []).names.contains("CAP_NET_RAW"))
    }

    @Test func nonRootGetsNone() throws {
        #expect(try CapabilitySet.resolve(uid: 1001, add: [], drop: []) == .empty)
    }

    @Test func addAndDrop() throws {
        let set = try CapabilitySet.resolve(uid: 0, add: ["NET_ADMIN"], drop: ["CAP_CHOWN", "kill"])
        #expect(set.contains(try #require(Capability.number(named: "CAP_NET_ADMIN"))))
        #expect(!set.contains(try #require(Capability.number(named: "CAP_CHOWN"))))
        #expect(!set.contains(try #require(Capability.number(named: "CAP_KILL"))))
        #expect(set.numbers.count == 12)
        let nonRoot = try CapabilitySet.resolve(uid: 1001, add: ["NET_BIND_SERVICE"], drop: [])
        #expect(nonRoot.names == ["CAP_NET_BIND_SERVICE"])
    }

    @Test func allKeywords() throws {
        #expect(try CapabilitySet.resolve(uid: 0, add: [], drop: ["ALL"]) == .empty)
        #expect(try CapabilitySet.resolve(uid: 0, add: ["ALL"], drop: []).numbers.count == Capability.lastCapability + 1)
        let onlyOne = try CapabilitySet.resolve(uid: 0, add: ["CHOWN"], drop: ["ALL"])
        #expect(onlyOne.names == ["CAP_CHOWN"])
    }

    @Test func unknownNameIsAnError() {
        #expect(throws: CapabilitySet.ParseError.self) { try CapabilitySet.resolve(uid: 0, add: ["CAP_BOGUS"], drop: []) }
    }
}

@Suite struct DeviceRuleTests {
    @Test func rulesReadAsDevicesAllowLines() {
        #expect(DeviceRule(.char, 1, 3, .all).description == "c 1:3 rwm")
        #expect(DeviceRule(.block, nil, nil, .mknod).description == "b *:* m")
        #expect(DeviceRule(.char, 136, nil, [.read, .write]).description == "c 136:* rw")
    }

    @Test func theDefaultLetsNodesBeMadeButOpensOnlyTheHarmlessOnes() {
        let openable = DeviceRule.defaultAllowlist.filter { $0.access.contains(.read) }
        #expect(openable.allSatisfy { $0.kind == .char && $0.major != nil })
        #expect(!openable.contains { $0.major == 7 || $0.major == 8 || $0.major == 10 }, "no block, loop or misc device")
        #expect(DeviceRule.defaultAllowlist.filter { $0.access == .mknod }.map(\.kind) == [.char, .block])
    }
}

