import Testing
@testable import AICoreOS

extension UserIdentityTests {
    @Test func groupAddAppendsNamesAndNumbersOnceAfterTheUsersOwn() throws {
        let group = "root:x:0:\naudio:x:29:app\nvideo:x:44:\n"
        let app = UserIdentity(uid: 1000, gid: 1000, supplementaryGroups: [29], name: "app")
        let added = try app.addingGroups(["video", "4242", "audio", "1000", "video"], group: group)
        #expect(added.supplementaryGroups == [29, 44, 4242])
        #expect(throws: UserIdentity.ResolveError(description: "unable to find group nope (group_add): no matching entries in the instance's /etc/group")) {
            try app.addingGroups(["nope"], group: group)
        }
    }
}
