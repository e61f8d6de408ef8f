import AICoreServer
import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing

/// A stack whose service names only an image, end to end: a real registry (Debian's
/// docker-registry) on loopback, images made from this host's busybox with umoci and pushed
/// with skopeo, the real agent pulling, unpacking and running them, and the real CLI.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: overlayfs, namespaces, cgroups"))
struct ImageEndToEndTests {
    /// `docker-registry serve` on a free loopback port, storage in `directory`.
    static func startRegistry(in directory: String) async throws -> (ChildProcess, String) {
        let port = try LoopbackPort.allocate()
        let config = """
            version: 0.1
            storage:
              filesystem:
                rootdirectory: \(directory)/registry
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)
            log:
              level: error
            """
        try config.write(toFile: directory + "/registry.yml", atomically: true, encoding: .utf8)
        let process = try ChildProcess.spawn("/usr/bin/docker-registry", ["serve", directory + "/registry.yml"], discardOutput: true)
        let host = "127.0.0.1:\(port)"
        try await waitUntil("the registry answers on \(host)", within: .seconds(60)) {
            (try? await httpGet("http://\(host)/v2/").status) == 200
        }
        return (process, host)
    }

    /// `demo/web:1` and `:2`: busybox's httpd serving /www/index.html ("v1", then "v2") on
    /// $PORT, as the image's own Cmd, with an `app` user in its /etc/passwd, and a `VOLUME
    /// /data` that the image ships a file in, owned by `app` (0750). `credentials`
    /// (`user:password`) for a registry that wants them.
    static func pushImages(to host: String, in directory: String, credentials: String? = nil) async throws {
        let files = directory + "/files"
        try FileIO.makeDirectories(files + "/bin", mode: 0o755)
        try FileIO.makeDirectories(files + "/etc", mode: 0o755)
        try FileIO.makeDirectories(files + "/www", mode: 0o755)
        try FileIO.copyFile("/bin/busybox", to: files + "/bin/busybox")
        try FileIO.setMode(files + "/bin/busybox", 0o755)
        #expect(symlink("busybox", files + "/bin/sh") == 0)
        try FileIO.write(files + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/www:/bin/sh\n")
        try FileIO.write(files + "/etc/group", "root:x:0:\napp:x:1000:\n")
        try FileIO.makeDirectories(files + "/data", mode: 0o750)
        try FileIO.write(files + "/data/seed", "seeded by the image\n", mode: 0o640)
        try FileIO.own(files + "/data/seed", uid: 1000, gid: 1000, mode: 0o640)
        try FileIO.own(files + "/data", uid: 1000, gid: 1000, mode: 0o750)
        try FileIO.write(directory + "/v1.html", "v1\n")
        try FileIO.write(directory + "/v2.html", "v2\n")
        let layout = directory + "/layout"
        func umoci(_ arguments: [String]) async throws {
            let output = try await run("/usr/bin/umoci", arguments)
            #expect(output.status == 0, "umoci \(arguments): \(output.stderr)")
        }
        try await umoci(["init", "--layout", layout])
        try await umoci(["new", "--image", "\(layout):1"])
        try await umoci(["insert", "--image", "\(layout):1", files, "/"])
        try await umoci(["config", "--image", "\(layout):1", "--config.user", "app", "--config.workingdir", "/www",
                         "--config.env", "GREETING=from-image", "--config.volume", "/data",
                         "--config.cmd", "/bin/sh", "--config.cmd", "-c", "--config.cmd", "exec busybox httpd -f -p ${PORT:-8080} -h /www"])
        try await umoci(["tag", "--image", "\(layout):1", "2"])
        try await umoci(["insert", "--image", "\(layout):1", directory + "/v1.html", "/www/index.html"])
        try await umoci(["insert", "--image", "\(layout):2", directory + "/v2.html", "/www/index.html"])
        // /version names the tag the way the load generator reads it.
        for tag in ["1", "2"] {
            try FileIO.write(directory + "/version\(tag).json", "{\"version\":\"\(tag)\"}\n")
            try await umoci(["insert", "--image", "\(layout):\(tag)", directory + "/version\(tag).json", "/www/version"])
        }
        for tag in ["1", "2"] {
            let login = credentials.map { ["--dest-creds", $0] } ?? []
            let output = try await run("/usr/bin/skopeo", ["copy", "--dest-tls-verify=false"] + login + ["oci:\(layout):\(tag)", "docker://\(host)/demo/web:\(tag)"])
            #expect(output.status == 0, "skopeo push \(tag): \(output.stderr)")
        }
    }

    /// What the published port serves, without the page's trailing newline.
    static func page(_ port: Int) async throws -> String {
        try await httpGet("http://127.0.0.1:\(port)/").body.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aServiceThatNamesOnlyAnImageIsPulledRunSharedRolledOutAndProtected() async throws {
        try await AgentHarness.with { harness in
            let (registry, host) = try await Self.startRegistry(in: harness.directory)
            defer {
                registry.signal(SIGKILL)
                _ = registry.waitForExit()
            }
            try await Self.pushImages(to: host, in: harness.directory)
            let published = try LoopbackPort.allocate()
            let file = try AgentCLITests.write("""
                name: imgdemo
                services:
                  web:
                    image: \(host)/demo/web:1
                    ports: ["127.0.0.1:\(published):8080"]
                    deploy:
                      replicas: 3
                    x-aicore:
                      probes:
                        readiness:
                          tcp_socket: {}
                          period: 1s
                """, in: harness.directory)

            // up pulls what the node lacks before it starts anything.
            let up = try await harness.cli(["up", "-d", "--wait", "-f", file])
            #expect(up.status == 0, "up: \(up.stderr)\n\(harness.agentLog.suffix(3000))")
            // With its progress per layer, as plain lines (the output is not a terminal).
            #expect(up.stdout.contains("pulling \(host)/demo/web:1 (web)\n"), "\(up.stdout)")
            #expect(up.stdout.components(separatedBy: ": pull complete\n").count - 1 == 3, "\(up.stdout)")
            let instances = try await harness.instances("imgdemo")
            #expect(instances.count == 3)
            #expect(try await Self.page(published) == "v1")

            // The image's config ran: its user (resolved in its own /etc/passwd) and env. Its
            // VOLUME became an anonymous volume that started with the image's content there,
            // owner and mode included, as Docker's does.
            let exec = try await harness.cli(["exec", "-p", "imgdemo", "web", "/bin/sh", "-c",
                                              "id -u; echo $GREETING; pwd; cat /data/seed; stat -c '%u %a' /data; grep -c ' /data ' /proc/self/mountinfo"])
            #expect(exec.stdout == "1000\nfrom-image\n/www\nseeded by the image\n1000 750\n1\n", "\(exec.stdout) \(exec.stderr)")

            // Three replicas share one copy of each layer: the layer store holds the image's
            // layers once, and each instance has only its own (empty) writable layer.
            let layers = try FileIO.entries(of: harness.directory + "/state/images/layers").filter { $0.count == 64 }
            #expect(layers.count == 3)
            let listed = try await harness.cli(["image", "ls", "--format", "json"])
            let images = try ControlAPI.decoder.decode([ImageStatus].self, from: Data(listed.stdout.utf8))
            #expect(images.map(\.name) == ["\(host)/demo/web:1"])
            #expect(images.first?.usedBy == ["imgdemo/web"])

            // An image in use is not removed.
            let refused = try await harness.cli(["image", "rm", "\(host)/demo/web:1"])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("in use by imgdemo/web"), "\(refused.stderr)")

            // A new tag: pulled first (only its new layers), then rolled out replica by replica
            // under load, with no request failing.
            let load = LoadGenerator(port: published, path: "/version")
            try await waitUntil("requests flow") { load.current.succeeded > 50 }
            let set = try await harness.cli(["set", "image", "-p", "imgdemo", "web", "\(host)/demo/web:2"])
            #expect(set.status == 0, "set image: \(set.stderr)")
            try await waitUntil("every replica serves v2", within: .seconds(120)) {
                var bodies: Set<String> = []
                for _ in 0..<6 { bodies.insert((try? await Self.page(published)) ?? "") }
                return bodies == ["v2"]
            }
            let tally = await load.stop()
            #expect(tally.failed == 0, "\(tally.failed) failed requests during the rollout: \(tally.failures)")
            #expect(tally.versions["1", default: 0] > 0 && tally.versions["2", default: 0] > 0, "\(tally.versions)")
            let afterRollout = try FileIO.entries(of: harness.directory + "/state/images/layers").filter { $0.count == 64 }
            #expect(afterRollout.count == 5, "v2 shares v1's base layer: \(afterRollout)")

            // down --rmi all removes the image the stack ran (web:2); web:1, which nothing runs
            // any more, is image rm's to remove. --remove-orphans is taken, as Compose's.
            let down = try await harness.cli(["down", "-p", "imgdemo", "--rmi", "all", "--remove-orphans"])
            #expect(down.status == 0, "\(down.stderr)")
            #expect(down.stdout.contains("removed image \(host)/demo/web:2\n"), "\(down.stdout)")
            let listedAfter = try await harness.cli(["image", "ls", "--format", "json"])
            #expect(try ControlAPI.decoder.decode([ImageStatus].self, from: Data(listedAfter.stdout.utf8)).map(\.name) == ["\(host)/demo/web:1"])
            let removed = try await harness.cli(["image", "rm", "\(host)/demo/web:1"])
            #expect(removed.status == 0, "\(removed.stderr)")
            // The writable layers went with their instances.
            #expect(try FileIO.entries(of: harness.directory + "/state/writable").isEmpty)
        }
    }

    @Test func imageLoadReadsADockerArchiveAStackRunsItWithoutARegistryAndImageSaveWritesItBack() async throws {
        try await AgentHarness.with { harness in
            let (registry, host) = try await Self.startRegistry(in: harness.directory)
            try await Self.pushImages(to: host, in: harness.directory)
            registry.signal(SIGKILL)
            _ = registry.waitForExit()
            let archive = harness.directory + "/web.tar"
            let save = try await run("/usr/bin/skopeo", ["copy", "oci:\(harness.directory)/layout:1", "docker-archive:\(archive):localhost/web:1"])
            #expect(save.status == 0, "\(save.stderr)")

            // `up --pull never` of an image the node lacks fails before anything changes.
            let loadedFile = try AgentCLITests.write("""
                name: loaded
                services:
                  web:
                    image: localhost/web:1
                """, in: harness.directory)
            let refused = try await harness.cli(["up", "-d", "--pull", "never", "-f", loadedFile])
            #expect(refused.status == 2, "\(refused.stderr)")
            #expect(refused.stderr == "aicore-node: service web: the image localhost/web:1 is not on this node and its pull_policy is never; `aicore-node image load` it, or allow a pull\n")
            #expect(try await harness.cli(["ps", "-a", "--format", "json"]).stdout.contains("loaded") == false)

            let load = try await harness.cli(["image", "load", "-i", archive])
            #expect(load.status == 0, "\(load.stderr)")
            #expect(load.stdout == "Loaded image: localhost/web:1\n")

            // `run --image`: the one-shot runs on the store's layers with the image's config
            // (its user, working directory and Env, which -e overrides), and leaves no mount or
            // writable layer behind.
            let store = harness.directory + "/state/images"
            let oneShot = try await harness.cli(["run", "--state-dir", harness.directory + "/run", "--image", "localhost/web:1", "--image-store", store,
                                                 "-e", "GREETING=from-run", "--", "/bin/sh", "-c", "id -u; echo $GREETING; pwd; cat index.html"])
            #expect(oneShot.status == 0, "\(oneShot.stderr)")
            #expect(oneShot.stdout == "1000\nfrom-run\n/www\nv1\n", "\(oneShot.stdout)")
            #expect(try FileIO.entries(of: harness.directory + "/state/run-writable").isEmpty)
            let unknownImage = try await harness.cli(["run", "--state-dir", harness.directory + "/run", "--image", "localhost/absent:1", "--image-store", store, "--", "/bin/true"])
            #expect(unknownImage.status == 125)
            #expect(unknownImage.stderr == "aicore-node run: no image localhost/absent:1 in \(store): `aicore-node image pull localhost/absent:1` or `aicore-node image load` it first\n")

            let published = try LoopbackPort.allocate()
            // One replica listens on the port's target ($PORT): a free one, not a fixed 8080
            // another test may hold.
            let target = try LoopbackPort.allocate()
            let file = try AgentCLITests.write("""
                name: loaded
                services:
                  web:
                    image: localhost/web:1
                    pull_policy: never
                    ports: ["127.0.0.1:\(published):\(target)"]
                    x-aicore:
                      probes:
                        readiness:
                          tcp_socket: {}
                          period: 1s
                """, in: harness.directory)
            let up = try await harness.cli(["up", "-d", "--wait", "-f", file])
            #expect(up.status == 0, "up: \(up.stderr)\n\(harness.agentLog.suffix(3000))")
            #expect(try await Self.page(published) == "v1")
            _ = try await harness.cli(["down", "-p", "loaded"])

            // image save: the loaded image back out, as an OCI archive skopeo reads by its tag,
            // with the same manifest; `image load` takes it again.
            let saved = harness.directory + "/saved.tar"
            let saving = try await harness.cli(["image", "save", "-o", saved, "localhost/web:1"])
            #expect(saving.status == 0, "\(saving.stderr)")
            #expect(saving.stdout.isEmpty && saving.stderr.isEmpty)
            let inspected = try await run("/usr/bin/skopeo", ["inspect", "--format", "{{.Digest}}", "oci-archive:\(saved):1"])
            #expect(inspected.status == 0, "\(inspected.stderr)")
            let shown = try await harness.cli(["image", "inspect", "localhost/web:1"])
            #expect(shown.stdout.contains(inspected.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "\(inspected.stdout) \(shown.stdout)")
            let reloaded = try await harness.cli(["image", "load", "-i", saved])
            #expect(reloaded.stdout == "Loaded image: localhost/web:1\n", "\(reloaded.stderr)")
            // Without -o: the same bytes on standard output, but never onto a terminal.
            let environment = ["AICORE_HOST": harness.socket, "PATH": "/usr/bin:/bin"]
            let piped = try await run("/bin/sh", ["-c", "exec \"$0\" image save localhost/web:1 > \"$1\"", CommandRunner.binary, harness.directory + "/piped.tar"],
                                      environment: environment)
            #expect(piped.status == 0, "\(piped.stderr)")
            #expect(try FileIO.read(harness.directory + "/piped.tar") == FileIO.read(saved))
            let onTerminal = try await run("/usr/bin/script", ["-qec", "\(CommandRunner.binary) image save localhost/web:1", "/dev/null"], environment: environment)
            #expect(onTerminal.status == 2)
            #expect(onTerminal.stdout.contains("aicore-node: refusing to write an archive to a terminal; give -o FILE or redirect the output"), "\(onTerminal.stdout)")

            // An unknown name: exit 2 and one line before anything is written; FILE (here an
            // older one) stays as it was and no temporary file is left beside it.
            try FileIO.write(harness.directory + "/old.tar", "an older archive")
            let unknown = try await harness.cli(["image", "save", "-o", harness.directory + "/old.tar", "localhost/web:1", "nope:1"])
            #expect(unknown.status == 2)
            #expect(unknown.stderr == "aicore-node: no image nope:1 on this node; `aicore-node image ls` lists them\n")
            #expect(try FileIO.readString(harness.directory + "/old.tar") == "an older archive")
            let missing = try await harness.cli(["image", "save", "-o", harness.directory + "/none.tar", "nope:1"])
            #expect(missing.status == 2)
            #expect(!FileIO.exists(harness.directory + "/none.tar"))
            #expect(try FileIO.entries(of: harness.directory).filter { $0.hasSuffix(".partial") }.isEmpty)
            // The REST answers: no name is a 400, an unknown one a 404 problem, not a tar.
            for (body, status) in [(#"{"images":[]}"#, "400"), (#"{"images":["nope:1"]}"#, "404")] {
                let answer = try await run("/usr/bin/curl", ["-sS", "--unix-socket", harness.socket, "-X", "POST", "-H", "Content-Type: application/json",
                                                             "-d", body, "-o", "/dev/null", "-w", "%{http_code} %{content_type}", "http://localhost/v1/images/save"])
                #expect(answer.stdout == "\(status) application/problem+json", "\(body): \(answer.stdout) \(answer.stderr)")
            }

            // A stored layer damaged on disk: the agent cuts the archive short at that blob, and
            // the CLI fails in one line, leaving no file.
            let blobs = harness.directory + "/state/images/content/blobs/sha256"
            var sizes: [(name: String, size: UInt64)] = []
            for name in try FileIO.entries(of: blobs) { sizes.append((name, try FileIO.size(of: "\(blobs)/\(name)") ?? 0)) }
            let damaged = "\(blobs)/\(try #require(sizes.max { $0.size < $1.size }).name)"
            var layer = try FileIO.read(damaged)
            layer[layer.count / 2] ^= 0xff
            try FileIO.setMode(damaged, 0o600)
            try FileIO.write(damaged, layer)
            let cut = try await harness.cli(["image", "save", "-o", harness.directory + "/cut.tar", "localhost/web:1"])
            #expect(cut.status == 1)
            #expect(cut.stderr == "aicore-node: the agent cut the archive short (a damaged blob, or the agent stopping: its log says which); \(harness.directory)/cut.tar was not written\n")
            #expect(!FileIO.exists(harness.directory + "/cut.tar"))
            #expect(try FileIO.entries(of: harness.directory).filter { $0.hasSuffix(".partial") }.isEmpty)
            #expect(harness.agentLog.contains("image save of localhost/web:1 failed"))

            // A broken archive changes nothing.
            try FileIO.write(harness.directory + "/broken.tar", "not a tar at all")
            let broken = try await harness.cli(["image", "load", "-i", harness.directory + "/broken.tar"])
            #expect(broken.status == 2, "\(broken.stderr)")
            #expect(broken.stderr.contains("image load:"), "\(broken.stderr)")
            let listed = try await harness.cli(["image", "ls", "-q"])
            #expect(listed.stdout.split(separator: "\n").count == 1)
        }
    }
}
