import Testing
@testable import AICoreImages

@Suite("The registries.conf a build gets from the node's registry configuration")
struct BuildahRegistriesTests {
    @Test("short names resolve on Docker Hub, whose mirrors come first, plain HTTP where a pull would allow it")
    func mirrors() {
        let configuration = RegistryConfiguration(
            insecure: ["mirror.lan:5000"], mirrors: ["https://mirror.example.com/", "127.0.0.1:5001", "mirror.lan:5000", "http://plain.example"])
        let conf = BuildahRegistries.registriesConf(configuration)
        #expect(conf == """
            unqualified-search-registries = ["docker.io"]
            short-name-mode = "permissive"

            [[registry]]
            prefix = "docker.io"
            location = "registry-1.docker.io"

            [[registry.mirror]]
            location = "mirror.example.com"
            insecure = false

            [[registry.mirror]]
            location = "127.0.0.1:5001"
            insecure = true

            [[registry.mirror]]
            location = "mirror.lan:5000"
            insecure = true

            [[registry.mirror]]
            location = "plain.example"
            insecure = true

            [[registry]]
            location = "mirror.lan:5000"
            insecure = true

            """)
    }

    @Test("insecure registries are named one by one; an address range cannot be, and a loopback FROM registry is added")
    func insecure() {
        let configuration = RegistryConfiguration(insecure: ["http://registry.lan:5000/", "10.0.0.0/8"])
        let conf = BuildahRegistries.registriesConf(configuration, baseRegistries: ["127.0.0.1:5000", "registry.example.com"])
        #expect(conf.contains("[[registry]]\nlocation = \"registry.lan:5000\"\ninsecure = true\n"))
        #expect(conf.contains("[[registry]]\nlocation = \"127.0.0.1:5000\"\ninsecure = true\n"))
        #expect(!conf.contains("10.0.0.0"))
        #expect(!conf.contains("registry.example.com"), "TLS stays required where a pull requires it")
    }

    @Test("the registries a Dockerfile's FROM lines name: hosts only, never a stage or a Docker Hub name")
    func baseRegistries() {
        let dockerfile = """
            FROM busybox AS base
            from --platform=linux/amd64 127.0.0.1:5000/team/app:1 AS app
            FROM localhost/tools
            FROM base
            FROM library/alpine
            FROM registry.example.com:443/x@sha256:abc
            FROM scratch
            """
        #expect(BuildahRegistries.baseRegistries(inDockerfile: dockerfile) == ["127.0.0.1:5000", "localhost", "registry.example.com:443"])
    }

    @Test("a failed build names the last step buildah started and its closing error")
    func failure() {
        let error = BuildahFailure.error(status: 1, tail: [
            "[1/2] STEP 1/2: FROM busybox", "[1/2] STEP 2/2: RUN make", "make: *** no rule", "subprocess exited with status 2",
            "Error: building at STEP \"RUN make\": exit status 2",
        ])
        #expect(error.code == .buildFailed)
        #expect(error.message == "[1/2] STEP 2/2: RUN make failed: building at STEP \"RUN make\": exit status 2")
        #expect(error.context["step"] == "[1/2] STEP 2/2: RUN make")
        let early = BuildahFailure.error(status: 125, tail: ["Error: the context directory does not exist"])
        #expect(early.message == "the context directory does not exist")
        #expect(BuildahFailure.error(status: 2, tail: []).message == "buildah exited with status 2")
    }

    @Test("buildah's build arguments: chroot isolation, the builder's own storage, and what the request says")
    func buildArguments() throws {
        var request = ImageBuildRequest(names: [try ImageReference(parsing: "web")], context: "/srv/app")
        request.target = "runner"
        request.args = ["B": "2", "A": "1"]
        request.labels = ["team": "shop"]
        request.noCache = true
        request.pull = true
        request.dockerfileInline = "FROM busybox\n"
        let builder = ImageBuilder(root: "/state/build", registries: RegistryConfiguration())
        let arguments = builder.buildArguments(request, work: "/state/build/work-1", authFile: "/state/auth.json")
        #expect(arguments == [
            "--root", "/state/build/storage", "--runroot", "/state/build/run", "--storage-driver", "overlay",
            "--registries-conf", "/state/build/work-1/registries.conf", "--registries-conf-dir", "/state/build/work-1/registries.d",
            "build", "--isolation", "chroot", "--signature-policy", "/state/build/work-1/policy.json", "--layers", "--force-rm", "--format", "oci",
            "--iidfile", "/state/build/work-1/iid", "--pull=always", "--authfile", "/state/auth.json",
            "-f", "/state/build/work-1/Dockerfile", "--target", "runner", "--build-arg", "A=1", "--build-arg", "B=2",
            "--label", "team=shop", "--no-cache", "/srv/app",
        ])
    }
}
