import AICorePaths
import Testing

@Suite struct InstancePathTests {
    @Test(arguments: [("/data", "/data"), ("/data/sub/", "/data/sub"), ("//a//b", "/a/b"), ("/a.b/..c/...", "/a.b/..c/...")])
    func destinationsAreNormalized(_ path: String, _ expected: String) {
        #expect(InstancePath.normalized(path) == .success(expected))
    }

    @Test(arguments: [("data", InstancePath.Problem.relative), ("", .relative), ("./data", .relative),
                      ("/data/../etc", .dotComponent), ("/..", .dotComponent), ("/srv/./x", .dotComponent), ("/data/..", .dotComponent),
                      ("/", .root), ("//", .root)])
    func destinationsThatAreRefused(_ path: String, _ problem: InstancePath.Problem) {
        #expect(InstancePath.normalized(path) == .failure(problem))
    }
}
