import AICoreSystem
import Foundation
import Testing
@testable import AICoreOS

@Suite struct UserIdentityTests {
    let passwd = """
    root:x:0:0:root:/root:/bin/bash
    # comment
    postgres:x:105:110:PostgreSQL:/var/lib/postgresql:/bin/bash
    app:x:1001:1001::/home/app:/bin/sh
    """
    let group = """
    root:x:0:
    ssl-cert:x:109:postgres
    postgres:x:110:
    app:x:1001:
    audio:x:29:app,postgres
    """

    @Test func byName() throws {
        let id = try UserIdentity.resolve("postgres", passwd: passwd, group: group)
        #expect(id.uid == 105 && id.gid == 110 && id.home == "/var/lib/postgresql")
        #expect(id.supplementaryGroups == [109, 29])
    }

    @Test func byUIDKnownAndUnknown() throws {
        let known = try UserIdentity.resolve("1001", passwd: passwd, group: group)
        #expect(known.uid == 1001 && known.gid == 1001 && known.name == "app" && known.supplementaryGroups == [29])
        let unknown = try UserIdentity.resolve("4242", passwd: passwd, group: group)
        #expect(unknown.uid == 4242 && unknown.home == "/" && unknown.supplementaryGroups.isEmpty)
    }

    /// Docker gives `user: 4242` gid 0, root's group, which opens every file group-readable by
    /// root; here the user gets a group of its own number.
    @Test func numericUIDWithoutPasswdEntryGetsItsOwnGIDNotRoots() throws {
        let unknown = try UserIdentity.resolve("4242", passwd: passwd, group: group)
        #expect(unknown.gid == 4242)
        #expect(try UserIdentity.resolve("4242", passwd: "", group: "").gid == 4242)
        #expect(try UserIdentity.resolve("4242:0", passwd: passwd, group: group).gid == 0, "a group asked for is given")
    }

    @Test func withGroup() throws {
        #expect(try UserIdentity.resolve("app:audio", passwd: passwd, group: group).gid == 29)
        #expect(try UserIdentity.resolve("4242:4343", passwd: passwd, group: group).gid == 4343)
    }

    @Test func unknownNamesFail() {
        #expect(throws: UserIdentity.ResolveError.self) { try UserIdentity.resolve("nobody-here", passwd: passwd, group: group) }
        #expect(throws: UserIdentity.ResolveError.self) { try UserIdentity.resolve("app:nogroup", passwd: passwd, group: group) }
        #expect(throws: UserIdentity.ResolveError.self) { try UserIdentity.resolve("", passwd: passwd, group: group) }
    }

    @Test func ulimits() throws {
        let l = try ResourceLimit.parse("nofile=1024:4096")
        #expect(l.soft == 1024 && l.hard == 4096 && l.name == "nofile")
        #expect(try ResourceLimit.parse("core=-1").hard == ResourceLimit.unlimited)
        #expect(throws: ResourceLimit.ParseError.self) { try ResourceLimit.parse("nofile=10:5") }
        #expect(throws: ResourceLimit.ParseError.self) { try ResourceLimit.parse("bogus=1") }
    }

    @Test func onTheHostIsResolvedInItsPasswdAndGroupFiles() throws {
        let root = "/tmp/aicore-users-\(getpid())-\(UInt32.random(in: 0...UInt32.max))/"
        defer { try? FileIO.removeTree(root) }
        try FileIO.makeDirectories(root + "etc")
        try FileIO.write(root + "etc/passwd", passwd)
        try FileIO.write(root + "etc/group", group)
        let id = try UserIdentity.resolveOnHost("app:postgres", root: root)
        #expect(id.uid == 1001 && id.gid == 110)
        #expect(throws: UserIdentity.ResolveError.self) { try UserIdentity.resolveOnHost("nobody-here", root: root) }
        // Without the files, a numeric uid still resolves.
        #expect(try UserIdentity.resolveOnHost("4242", root: root + "missing/").uid == 4242)
    }
}
