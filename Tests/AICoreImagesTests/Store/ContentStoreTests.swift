import AICoreErrors
import AICoreSystem
import Testing
@testable import AICoreImages

@Suite("The content store keeps only content that hashes to its name")
struct ContentStoreTests {
    @Test("Content is stored under its digest and read back verified")
    func storesAndReads() throws {
        let root = try temporaryDirectory("content")
        defer { try? FileIO.removeTree(root) }
        let store = try ContentStore(root: root)
        let bytes = Array("{\"a\":1}".utf8)
        let digest = Digest.sha256(of: bytes)
        #expect(!store.contains(digest))
        try store.write(bytes, as: digest)
        #expect(store.contains(digest))
        #expect(try store.read(digest) == bytes)
        #expect(store.path(of: digest) == "\(root)/blobs/sha256/\(digest.hex)")
        #expect(try store.blobs().map(\.digest) == [digest])
    }

    @Test("Content that does not hash to the digest it is offered as is not stored")
    func refusesMismatch() throws {
        let root = try temporaryDirectory("content")
        defer { try? FileIO.removeTree(root) }
        let store = try ContentStore(root: root)
        let claimed = Digest.sha256(of: Array("the real thing".utf8))
        #expect { try store.write(Array("something else".utf8), as: claimed) } throws: { error in
            (error as? AICoreError)?.code == .digestMismatch
        }
        #expect(!store.contains(claimed))
        #expect(try store.blobs().isEmpty)
    }

    @Test("A finished download is committed only when size and hash match; a bad one is deleted")
    func commitsDownloads() throws {
        let root = try temporaryDirectory("content")
        defer { try? FileIO.removeTree(root) }
        let store = try ContentStore(root: root)
        let bytes = [UInt8](repeating: 7, count: 3 << 20)
        let digest = Digest.sha256(of: bytes)

        let partial = store.partialPath(of: digest)
        try FileIO.write(partial, Array(bytes.dropLast()))
        #expect { try store.commit(partial: partial, as: digest, size: Int64(bytes.count)) } throws: { error in
            (error as? AICoreError)?.code == .digestMismatch
        }
        #expect(!FileIO.exists(partial))
        #expect(!store.contains(digest))

        try FileIO.write(partial, bytes)
        try store.commit(partial: partial, as: digest, size: Int64(bytes.count))
        #expect(store.contains(digest))
        #expect(!FileIO.exists(partial))
        #expect(try store.partials().isEmpty)
    }

    @Test("A stored blob changed on disk is caught when read")
    func detectsTampering() throws {
        let root = try temporaryDirectory("content")
        defer { try? FileIO.removeTree(root) }
        let store = try ContentStore(root: root)
        let bytes = Array("{\"config\":true}".utf8)
        let digest = Digest.sha256(of: bytes)
        try store.write(bytes, as: digest)
        try FileIO.setMode(store.path(of: digest), 0o600)
        try FileIO.write(store.path(of: digest), Array("{\"config\":fals}".utf8), mode: 0o600)
        #expect { _ = try store.read(digest) } throws: { error in
            (error as? AICoreError)?.code == .digestMismatch
        }
    }

    @Test("Files that are not named by a digest are not reported as blobs")
    func ignoresStrays() throws {
        let root = try temporaryDirectory("content")
        defer { try? FileIO.removeTree(root) }
        let store = try ContentStore(root: root)
        try FileIO.write("\(root)/blobs/sha256/not-a-digest.tmp-1", "x")
        #expect(try store.blobs().isEmpty)
    }
}

@Suite("Chain IDs identify a layer with everything under it")
struct ChainIDTests {
    @Test("The first chain ID is the diff ID; each next one hashes its parent and its diff ID")
    func chain() throws {
        let a = try Digest(parsing: "sha256:" + String(repeating: "a", count: 64))
        let b = try Digest(parsing: "sha256:" + String(repeating: "b", count: 64))
        let chain = ChainID.chain([a, b])
        #expect(chain.count == 2)
        #expect(chain[0] == a)
        #expect(chain[1] == Digest.sha256(of: Array("\(a) \(b)".utf8)))
        #expect(ChainID.chain([b, a])[1] != chain[1])
        #expect(ChainID.chain([]).isEmpty)
    }
}
