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
    /// /data` that the image ships a file in, owned by `app` (0750).
    static func pushImages(to host: String, in directory: String) async throws {
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
        for tag in ["1", "2"] {
            let output = try await run("/usr/bin/skopeo", ["copy", "--dest-tls-verify=false", "oci:\(layout):\(tag)", "docker://\(host)/demo/web:\(tag)"])
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
            #expect(layers.count == 2)
            let listed = try await harness.cli(["image", "ls", "--format", "json"])
            let images = try ControlAPI.decoder.decode([ImageStatus].self, from: Data(listed.stdout.utf8))
            #expect(images.map(\.name) == ["\(host)/demo/web:1"])
            #expect(images.first?.usedBy == ["imgdemo/web"])

            // An image in use is not removed.
            let refused = try await harness.cli(["image", "rm", "\(host)/demo/web:1"])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("in use by imgdemo/web"), "\(refused.stderr)")

            // A new tag: pulled first (only its new layer), then rolled out replica by replica.
            let set = try await harness.cli(["set", "image", "-p", "imgdemo", "web", "\(host)/demo/web:2"])
            #expect(set.status == 0, "set image: \(set.stderr)")
            try await waitUntil("every replica serves v2", within: .seconds(120)) {
                var bodies: Set<String> = []
                for _ in 0..<6 { bodies.insert((try? await Self.page(published)) ?? "") }
                return bodies == ["v2"]
            }
            let afterRollout = try FileIO.entries(of: harness.directory + "/state/images/layers").filter { $0.count == 64 }
            #expect(afterRollout.count == 3, "v2 shares v1's base layer: \(afterRollout)")

            let down = try await harness.cli(["down", "-p", "imgdemo"])
            #expect(down.status == 0, "\(down.stderr)")
            let removed = try await harness.cli(["image", "rm", "\(host)/demo/web:1"])
            #expect(removed.status == 0, "\(removed.stderr)")
            // The writable layers went with their instances.
            #expect(try FileIO.entries(of: harness.directory + "/state/writable").isEmpty)
        }
    }

    @Test func imageLoadReadsADockerArchiveAndAStackRunsItWithoutARegistry() async throws {
        try await AgentHarness.with { harness in
            let (registry, host) = try await Self.startRegistry(in: harness.directory)
            try await Self.pushImages(to: host, in: harness.directory)
            registry.signal(SIGKILL)
            _ = registry.waitForExit()
            let archive = harness.directory + "/web.tar"
            let save = try await run("/usr/bin/skopeo", ["copy", "oci:\(harness.directory)/layout:1", "docker-archive:\(archive):localhost/web:1"])
            #expect(save.status == 0, "\(save.stderr)")

            let load = try await harness.cli(["image", "load", "-i", archive])
            #expect(load.status == 0, "\(load.stderr)")
            #expect(load.stdout == "Loaded image: localhost/web:1\n")

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
