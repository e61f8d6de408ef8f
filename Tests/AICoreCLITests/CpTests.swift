import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing
@testable import AICoreCLI

/// `cp` reads its arguments as `docker compose cp` does.
@Suite struct CpParseTests {
    @Test(arguments: [
        ("web:/etc/hosts", Cp.Side.instance("web", path: "/etc/hosts")),
        ("web:2:/etc/hosts", Cp.Side.instance("web/2", path: "/etc/hosts")),
        ("shop-web-1:/tmp", Cp.Side.instance("shop-web-1", path: "/tmp")),
        ("./a:b", Cp.Side.host("./a:b")),
        ("/tmp/x:y", Cp.Side.host("/tmp/x:y")),
        ("notes.txt", Cp.Side.host("notes.txt")),
        ("-", Cp.Side.host("-")),
    ])
    func aSideIsAnInstanceOnlyWhenItNamesOneBeforeAColon(argument: String, side: Cp.Side) throws {
        #expect(try Cp.side(argument) == side)
    }

    @Test func cpTakesComposesFlags() throws {
        let cp = try Cp.parse(["--index", "2", "-a", "-L", "-p", "shop", "web:/etc", "."])
        #expect(cp.index == 2 && cp.archive && cp.followLink && !cp.all)
        #expect(cp.selection.stackFiles.projectName == "shop")
        #expect(cp.source == "web:/etc" && cp.destination == ".")
        #expect(try Cp.parse(["--all", "--archive", "--follow-link", "x", "web:/tmp"]).all)
        #expect(throws: (any Error).self) { try Cp.side("web:0:/etc") }
        #expect(throws: (any Error).self) { try Cp.side("web:") }
    }
}

/// `cp` against a real agent and instances of a real image: files and trees both ways, owners
/// with -a, and the attacks: an instance's symlinks and `..` that point at the host, an archive
/// that names `../x`, a read-only root.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: overlayfs, namespaces, cgroups"))
struct CpEndToEndTests {
    static let compose = """
        name: cpdemo
        services:
          box:
            image: localhost/box:1
            pull_policy: never
            tmpfs: ["/scratch"]
            deploy:
              replicas: 2
          ro:
            image: localhost/box:1
            pull_policy: never
            read_only: true
        """

    @Test func cpCopiesBothWaysKeepsOwnersWithArchiveAndNeverLeavesTheInstancesRoot() async throws {
        try await AgentHarness.with { harness in
            try await BusyboxImage.load("localhost/box:1", into: harness)
            let project = try ComposeProjectCLITests.project("cpdemo", in: harness, compose: Self.compose)
            func cli(_ arguments: String...) async throws -> CommandRunner.Result {
                try await harness.cli(arguments, in: project)
            }
            func sh(_ script: String, in target: String = "box") async throws -> String {
                let result = try await cli("exec", target, "/bin/busybox", "sh", "-c", script)
                #expect(result.status == 0, "exec \(script): \(result.stdout)\(result.stderr)")
                return result.stdout
            }
            let up = try await cli("up", "-d", "--wait")
            try #require(up.status == 0, "up: \(up.stderr)\n\(harness.agentLog.suffix(3000))")
            let host = harness.directory + "/host"
            try FileIO.makeDirectories(host, mode: 0o755)
            // What must never be read or written through the instance: a marker at a known host path.
            let marker = harness.directory + "/marker"
            try FileIO.write(marker, "host only\n")

            // A file out, under a new name.
            var result = try await cli("cp", "box:/etc/motd", host + "/motd.txt")
            #expect(result.status == 0 && result.stdout.isEmpty && result.stderr.isEmpty, "\(result)")
            #expect(try FileIO.readString(host + "/motd.txt") == "from the image\n")

            // A directory out: as a new name, then into an existing directory.
            _ = try await sh("mkdir -p /srv/tree/sub && echo deep > /srv/tree/sub/file.txt && ln -s sub/file.txt /srv/tree/link")
            result = try await cli("cp", "box:/srv/tree", host + "/copied")
            #expect(result.status == 0, "\(result)")
            #expect(try FileIO.readString(host + "/copied/sub/file.txt") == "deep\n")
            #expect(try FileIO.readLink(host + "/copied/link") == "sub/file.txt")
            try FileIO.makeDirectories(host + "/existing", mode: 0o755)
            result = try await harness.cli(["cp", "-p", "cpdemo", "box:/srv/tree", host + "/existing"])
            #expect(result.status == 0, "\(result)")
            #expect(try FileIO.readString(host + "/existing/tree/sub/file.txt") == "deep\n")

            // A file in, and a directory in (into an existing directory).
            try FileIO.write(host + "/in.txt", "from the host\n")
            try FileIO.makeDirectories(host + "/dir/a", mode: 0o755)
            try FileIO.write(host + "/dir/a/b.txt", "nested\n")
            result = try await cli("cp", host + "/in.txt", "box:/srv/in.txt")
            #expect(result.status == 0 && result.stderr.isEmpty, "\(result)")
            result = try await harness.cli(["cp", "-f", project + "/compose.yml", host + "/dir", "box:/srv"])
            #expect(result.status == 0, "\(result)")
            #expect(try await sh("cat /srv/in.txt /srv/dir/a/b.txt") == "from the host\nnested\n")

            // Into a mount of the instance (a tmpfs), not the root's layer under it; and -L copies
            // what a host link points to, under the link's name, where without it the link goes.
            #expect(symlink(host + "/in.txt", host + "/link.txt") == 0)
            result = try await cli("cp", "-L", host + "/link.txt", "box:/scratch")
            #expect(result.status == 0, "\(result)")
            result = try await cli("cp", host + "/link.txt", "box:/scratch/kept-link")
            #expect(result.status == 0, "\(result)")
            #expect(try await sh("cat /scratch/link.txt; /bin/busybox readlink /scratch/kept-link; grep -c ' /scratch ' /proc/mounts")
                == "from the host\n\(host)/in.txt\n1\n")

            // Owners and setuid: kept with -a, root's and dropped without.
            try FileIO.write(host + "/owned", "x\n")
            try FileIO.own(host + "/owned", uid: 1234, gid: 2345, mode: 0o4755)
            result = try await cli("cp", "-a", host + "/owned", "box:/srv/kept")
            #expect(result.status == 0, "\(result)")
            result = try await cli("cp", host + "/owned", "box:/srv/plain")
            #expect(result.status == 0, "\(result)")
            #expect(try await sh("/bin/busybox stat -c '%u:%g %a' /srv/kept /srv/plain") == "1234:2345 4755\n0:0 755\n")
            _ = try await sh("echo app > /srv/app && chown 1000:1000 /srv/app && chmod 640 /srv/app")
            result = try await cli("cp", "-a", "box:/srv/app", host + "/app")
            #expect(result.status == 0, "\(result)")
            #expect(FileIO.owner(host + "/app").map { "\($0.uid):\($0.gid)" } == "1000:1000")

            // The instance's symlinks lead to its own files, never the host's.
            _ = try await sh("ln -s /../../../../etc /escape && ln -s /../../../..\(harness.directory) /hostdir")
            result = try await cli("cp", "box:/escape/passwd", host + "/passwd")
            #expect(result.status == 0, "\(result)")
            #expect(try FileIO.readString(host + "/passwd") == "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/data:/bin/sh\n")
            result = try await cli("cp", "box:/escape/shadow", host + "/shadow")
            #expect(result.status == 2 && !FileIO.exists(host + "/shadow"), "\(result)")
            #expect(result.stderr == "aicore-node: no such file or directory in instance cpdemo-box-1: /escape/shadow\n")
            for path in ["/hostdir/marker", "/../../../..\(marker)"] {
                result = try await cli("cp", "box:\(path)", host + "/stolen")
                #expect(result.status == 2 && !FileIO.exists(host + "/stolen"), "\(path): \(result)")
                result = try await cli("cp", host + "/in.txt", "box:\(path)")
                #expect(result.status == 2, "\(path): \(result)")
            }
            // A link the copy lands on is replaced inside the instance, not written through.
            result = try await cli("cp", host + "/dir", "box:/hostdir")
            #expect(result.status == 0, "\(result)")
            #expect(try await sh("test -d /hostdir && test ! -L /hostdir && cat /hostdir/a/b.txt") == "nested\n")
            // With the same path made inside the instance, a `..` path lands there: the
            // instance's copy changes, the host's marker never does.
            _ = try await sh("mkdir -p \(harness.directory) && echo instance > \(marker)")
            result = try await cli("cp", host + "/in.txt", "box:/../../../..\(marker)")
            #expect(result.status == 0, "\(result)")
            result = try await cli("cp", "box:/../..\(marker)", host + "/theirs")
            #expect(result.status == 0, "\(result)")
            #expect(try FileIO.readString(host + "/theirs") == "from the host\n")
            #expect(try FileIO.readString(marker) == "host only\n")
            #expect(!FileIO.exists(harness.directory + "/dir") && !FileIO.exists(harness.directory + "/in.txt"))

            // An archive that names ../x is refused whole: not even its first, harmless entry.
            let evil = harness.directory + "/evil.tar"
            try FileIO.write(evil, HandWrittenTar.ustar([("ok.txt", "fine\n"), ("../x", "escaped\n")]))
            let piped = try await offload {
                try ChildProcess.run("/bin/sh", ["-c", "exec \"$0\" cp - box:/srv <\"\(evil)\"", CommandRunner.binary],
                                     environment: ProcessInfo.processInfo.environment.merging(["AICORE_HOST": harness.socket]) { $1 },
                                     directory: project)
            }
            #expect(piped.status == 2, "\(piped.stderr)")
            #expect(piped.stderr.contains("refuses the archive: its entry ../x names a path outside the destination"), "\(piped.stderr)")
            #expect(try await sh("ls /srv /; test ! -e /srv/ok.txt && test ! -e /x && echo clean").hasSuffix("clean\n"))

            // A read-only root: the write fails, and says why.
            result = try await cli("cp", host + "/in.txt", "ro:/etc/in.txt")
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.contains("read-only filesystem"), "\(result.stderr)")

            // A missing path is one line, and exit 2.
            result = try await cli("cp", "box:/nope", host + "/nope")
            #expect(result.status == 2 && result.stderr == "aicore-node: no such file or directory in instance cpdemo-box-1: /nope\n", "\(result)")

            // Replicas: :INDEX and --index pick one; --all writes every one.
            result = try await cli("cp", host + "/in.txt", "box:2:/tmp/second.txt")
            #expect(result.status == 0, "\(result)")
            #expect(try await cli("exec", "box/2", "/bin/busybox", "cat", "/tmp/second.txt").stdout == "from the host\n")
            #expect(try await cli("cp", "--index", "1", "box:/tmp/second.txt", host + "/second").status == 2)
            result = try await cli("cp", "--all", host + "/in.txt", "box:/tmp/all.txt")
            #expect(result.status == 0, "\(result)")
            for replica in ["box/1", "box/2"] {
                #expect(try await cli("exec", replica, "/bin/busybox", "cat", "/tmp/all.txt").stdout == "from the host\n")
            }

            // `-`: the tar on standard output.
            result = try await cli("cp", "box:/etc/motd", "-")
            #expect(result.status == 0 && result.stdout.contains("motd") && result.stdout.contains("from the image"), "\(result.stderr)")

            // A stopped instance: a clear refusal.
            #expect(try await cli("stop", "ro").status == 0)
            result = try await cli("cp", "ro:/etc/motd", host + "/stopped")
            #expect(result.status == 1 && result.stderr.contains("cpdemo-ro-1 is not running"), "\(result)")
        }
    }
}
