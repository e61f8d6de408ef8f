import Testing

@testable import AICoreSpec

/// Broken `build:` sections, each with its one located error.
@Suite("Build: bad input")
struct BuildBadInputTests {
    typealias BadInput = BadInputTests.BadInput

    @Test("reports the error at its line, column and key path", arguments: cases)
    func locatedError(_ input: BadInput) throws {
        try BadInputTests.expectLocatedError(input)
    }

    static let header = "services:\n  web:\n"

    static let cases: [BadInput] = [
        BadInput(
            "a context that is a file", header + "    build: ./stack.yml\n",
            at: 3, 12, "services.web.build", "is not a directory"),
        BadInput(
            "a Git context", header + "    build: https://github.com/docker/app.git\n",
            at: 3, 12, "services.web.build", "a Git or URL context is not supported"),
        BadInput(
            "both dockerfile and dockerfile_inline",
            header + "    build:\n      dockerfile: stack.yml\n      dockerfile_inline: FROM busybox\n",
            at: 4, 19, "services.web.build.dockerfile", "set either `dockerfile` or `dockerfile_inline`, not both"),
        BadInput(
            "build is a list", header + "    build: [a]\n",
            at: 3, 12, "services.web.build", "expected a mapping, found a list"),
        BadInput(
            "a misspelt key", header + "    build:\n      dockerfile_inline: FROM busybox\n      targt: x\n",
            at: 5, 7, "services.web.build.targt", "unknown key `targt` in build; did you mean `target`?"),
        BadInput(
            "args as a number", header + "    build:\n      dockerfile_inline: FROM busybox\n      args: 3\n",
            at: 5, 13, "services.web.build.args", "expected a mapping or a list of KEY=VALUE strings"),
        BadInput(
            "tags as a string", header + "    build:\n      dockerfile_inline: FROM busybox\n      tags: web:1\n",
            at: 5, 13, "services.web.build.tags", "expected a list of image names"),
        BadInput(
            "a tag with a space", header + "    build:\n      dockerfile_inline: FROM busybox\n      tags: [\"web 1\"]\n",
            at: 5, 14, "services.web.build.tags[0]", #"expected an image name like registry/name:tag, found "web 1""#),
        BadInput(
            "no_cache is a word", header + "    build:\n      dockerfile_inline: FROM busybox\n      no_cache: sometimes\n",
            at: 5, 17, "services.web.build.no_cache", "expected true or false"),
        BadInput(
            "a platform that is not os/arch", header + "    build:\n      dockerfile_inline: FROM busybox\n      platforms: [amd64]\n",
            at: 5, 19, "services.web.build.platforms[0]", "expected os/architecture[/variant]"),
        BadInput(
            "pull_policy: build with no build section", header + "    image: web\n    pull_policy: build\n",
            at: 4, 18, "services.web.pull_policy", "`pull_policy: build` needs a `build` section"),
    ]
}
