import Foundation
import Testing

@testable import AICoreSpec

/// The first symbolic link in a path, on the real filesystem.
@Suite struct HostSymlinkTests {
    @Test func theFirstLinkInAPathAndWhereThePathLeads() throws {
        let directory = NSTemporaryDirectory() + "hostsymlink-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: directory + "/real/data", withIntermediateDirectories: true)
        defer { try? fileManager.removeItem(atPath: directory) }
        try fileManager.createSymbolicLink(atPath: directory + "/link", withDestinationPath: directory + "/real")
        let real = try #require(realpath(directory, nil).map { pointer -> String in
            defer { free(pointer) }
            return String(cString: pointer)
        })

        let found = try #require(HostSymlink.first(in: directory + "/link/data"))
        #expect(found.link == directory + "/link")
        #expect(found.leadsTo == real + "/real/data")
        #expect(HostSymlink.first(in: directory + "/real/data") == nil)
        // What follows the link need not exist: the target to write is still known.
        #expect(HostSymlink.first(in: directory + "/link/new/dir")?.leadsTo == real + "/real/new/dir")
        // A path that stops existing before any link: nothing to say.
        #expect(HostSymlink.first(in: directory + "/missing/link") == nil)
        // A link to nowhere is still the first link; where it leads is unknown.
        try fileManager.createSymbolicLink(atPath: directory + "/dangling", withDestinationPath: directory + "/nowhere")
        #expect(HostSymlink.first(in: directory + "/dangling/x") == HostSymlink(link: directory + "/dangling", leadsTo: nil))
    }
}
