import Testing
@testable import AICoreLayerFS

@Suite struct LayerPathTests {
    @Test(arguments: [
        ("usr/bin/env", ["usr", "bin", "env"]),
        ("./usr/bin/env", ["usr", "bin", "env"]),
        ("etc/", ["etc"]),
        ("a//b/./c/", ["a", "b", "c"]),
        ("./", []),
        (".", []),
        ("/", []),
        ("//./", []),
        ("...", ["..."]),
        ("..x/y..", ["..x", "y.."]),
    ])
    func cleansEmptyAndDotComponents(raw: String, components: [String]) throws {
        let path = try LayerPath(parsing: Array(raw.utf8))
        #expect(path.components == components.map { Array($0.utf8) })
        #expect(path.isRoot == components.isEmpty)
    }

    /// `/` alone is the root (umoci writes it); any other absolute name is refused.
    @Test(arguments: ["/etc/passwd", "//x", "/./x"])
    func refusesAbsoluteNames(raw: String) {
        #expect(throws: LayerPath.Problem.absolute) { try LayerPath(parsing: Array(raw.utf8)) }
    }

    /// Even a `..` that would stay inside: a name is never resolved against what earlier
    /// entries made of the tree.
    @Test(arguments: ["..", "../etc/passwd", "a/../../b", "a/../b", "a/..", "./../x"])
    func refusesEveryParentReference(raw: String) {
        #expect(throws: LayerPath.Problem.parentReference) { try LayerPath(parsing: Array(raw.utf8)) }
    }

    @Test func splitsIntoParentAndName() throws {
        let path = try LayerPath(parsing: Array("./a/b/c".utf8))
        #expect(path.name == Array("c".utf8))
        #expect(path.parent.bytes == Array("a/b".utf8))
        #expect(path.parent.parent.parent.isRoot)
        #expect(LayerPath(components: []).name == nil)
    }

    @Test func keepsBytesThatAreNotUTF8() throws {
        let path = try LayerPath(parsing: [0x61, 0xFF, 0x2F, 0xE9])
        #expect(path.components == [[0x61, 0xFF], [0xE9]])
    }
}
