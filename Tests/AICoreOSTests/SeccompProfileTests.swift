import Testing
@testable import AICoreOS

@Suite struct SeccompProfileTests {
    let rootCaps = CapabilitySet.rootDefault

    func rules(_ caps: CapabilitySet) -> [SeccompProfile.ResolvedRule] {
        SeccompProfile.dockerDefault.resolved(for: .init(capabilities: caps, arch: "amd64", kernel: (6, 1)))
    }

    @Test func defaultIsAnAllowlistWithEPERM() {
        #expect(SeccompProfile.dockerDefault.defaultAction == .errno)
        #expect(SeccompProfile.dockerDefault.defaultErrnoRet == 1)
        let names = Set(rules(rootCaps).map(\.name))
        #expect(names.contains("read"))
        #expect(names.contains("execve"))
        for denied in ["mount", "umount2", "unshare", "setns", "kexec_load", "keyctl", "pivot_root", "swapon", "init_module", "bpf"] {
            #expect(!names.contains(denied), "\(denied) must not be allowed by default")
        }
    }

    @Test func clone3IsENOSYSAndCloneChecksNamespaceFlags() throws {
        let r = rules(rootCaps)
        let clone3 = try #require(r.first { $0.name == "clone3" })
        #expect(clone3.action == .errno && clone3.errno == 38)
        let clone = try #require(r.first { $0.name == "clone" })
        #expect(clone.args == [SeccompProfile.Argument(index: 0, value: 0x7E02_0000, valueTwo: 0, op: .maskedEqual)])
    }

    @Test func sysAdminUnlocksMountAndPlainClone() throws {
        var caps = rootCaps
        caps.insert(try #require(Capability.number(named: "CAP_SYS_ADMIN")))
        let r = rules(caps)
        #expect(r.contains { $0.name == "mount" && $0.action == .allow })
        #expect(!r.contains { $0.name == "clone3" && $0.action == .errno })
        #expect(r.contains { $0.name == "clone" && $0.args.isEmpty })
    }

    @Test func archConditions() {
        let amd = rules(rootCaps).map(\.name)
        #expect(amd.contains("arch_prctl"))
        let arm = SeccompProfile.dockerDefault.resolved(for: .init(capabilities: rootCaps, arch: "arm64", kernel: (6, 1))).map(\.name)
        #expect(!arm.contains("arch_prctl"))
        #expect(SeccompProfile.dockerDefault.filterArchitectures() == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"])
    }

    @Test func compilesToBPF() throws {
        let filter = try SeccompFilter.compile(.dockerDefault, capabilities: rootCaps)
        #expect(filter.instructions.count > 100)
        let unconfinedLike = SeccompProfile(defaultAction: .allow, syscalls: [.init(names: ["keyctl"], action: .errno, errnoRet: 1)])
        #expect(try SeccompFilter.compile(unconfinedLike, capabilities: .empty).instructions.count < filter.instructions.count)
    }

    @Test func decodesDockerJSON() throws {
        let json = """
        {"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,
         "archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86"]}],
         "syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"},
                     {"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]},
                     {"names":["mount"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_ADMIN"]}}]}
        """
        let profile = try SeccompProfileLoader.decode(Array(json.utf8))
        #expect(profile.syscalls?.count == 3)
        let r = profile.resolved(for: .init(capabilities: .empty, arch: "amd64", kernel: (6, 1)))
        #expect(r.map(\.name) == ["read", "write", "personality"])
        #expect(profile.filterArchitectures() == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"])
        _ = try SeccompFilter.compile(profile, capabilities: .empty)
        // Round trip through our encoder.
        #expect(try SeccompProfileLoader.decode(SeccompProfileLoader.encode(profile)) == profile)
    }

    @Test func notifyIsRefused() {
        let p = SeccompProfile(defaultAction: .allow, syscalls: [.init(names: ["read"], action: .notify)])
        #expect(throws: SeccompFilter.CompileError.self) { try SeccompFilter.compile(p, capabilities: .empty) }
    }
}
