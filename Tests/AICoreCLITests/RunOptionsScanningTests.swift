import ArgumentParser
import Testing
@testable import AICoreCLI

/// `RunOptions.scan`, the one-shot's fast reading of `run`'s line, reads every line it takes as
/// ArgumentParser does, and leaves to ArgumentParser every line it cannot read the same way.
@Suite struct RunOptionsScanningTests {
    static let lines: [[String]] = [
        ["--", "/bin/true"],
        ["--name", "web", "--memory", "256m", "--cpus", "0.5", "--cpu-weight", "200", "--pids-limit", "64", "--", "sh", "-c", "echo hi"],
        ["--name=web", "--memory=64m", "--", "true"],
        ["-u", "1001:1001", "-v", "/srv:/data:ro", "-v", "/tmp/x:/x", "-e", "A=1", "-e", "B", "-w", "/data", "-h", "box", "--", "env"],
        ["--user", "nobody", "--volume", "/a:/b", "--env", "K=V", "--workdir", "/", "--hostname", "h", "--", "id"],
        ["--read-only", "--keep-state", "--rootfs", "/srv/root", "--", "ls", "--", "-l"],
        ["--tmpfs", "/cache:size=16m", "--tmpfs", "/scratch", "--hide", "/srv/secret", "--hide=/opt/keys", "--", "true"],
        ["--cap-add", "NET_ADMIN", "--cap-drop", "ALL", "--cap-add=CHOWN", "--security-opt", "seccomp=unconfined", "--", "true"],
        ["--security-opt", "no-new-privileges:true", "--env-file", "/etc/app.env", "--env-file", "/etc/more.env", "--", "true"],
        ["--network", "none", "--ulimit", "nofile=1024:4096", "--ulimit", "nproc=64", "--oom-score-adj", "500", "--", "true"],
        ["--log-dir", "/var/log/x", "--log-max-size", "1m", "--log-max-files", "1", "--state-dir", "/tmp/state", "--", "true"],
        ["--name", "x", "--", "--name", "y"],
        ["--name", "", "--volume", "", "--", "true"],
        ["--cpus", "inf", "--", "true"],
        ["--cgroup-driver", "cgroupfs", "--", "true"],
        ["--cgroup-driver=systemd", "--", "true"],
        ["--image", "redis:7", "--image-store", "/srv/images", "--", "redis-server", "--port", "7000"],
        ["--image=localhost/web:1", "--read-only", "--", "true"],
    ]

    @Test(arguments: lines) func readsTheLineAsArgumentParserDoes(_ line: [String]) throws {
        let scanned = try #require(RunOptions.scan(line))
        #expect(scanned == (try Run.parse(line)).options)
    }

    /// Help, errors, and forms whose reading is ArgumentParser's to decide.
    static let declined: [[String]] = [
        ["--help"], ["-h"], ["--"], ["--name", "x", "--"], [], ["/bin/true"], ["--name", "x"],
        ["--nmae", "x", "--", "true"], ["-x", "--", "true"], ["--name", "--", "true"],
        ["--name", "a", "--name", "b", "--", "true"], ["--read-only=true", "--", "true"], ["--read-only", "--read-only", "--", "true"],
        ["--cpus", "half", "--", "true"], ["--pids-limit", "-1", "--", "true"], ["--oom-score-adj", "-500", "--", "true"],
        ["-vsrc:/dst", "--", "true"], ["--volume=", "--", "true"], ["--memory"], ["-", "--", "true"], ["--cpu-weight", "1.5", "--", "true"],
        ["--image", "redis:7"],
    ]

    @Test(arguments: declined) func leavesToArgumentParserWhatItCannotReadTheSame(_ line: [String]) {
        #expect(RunOptions.scan(line) == nil)
    }

    /// `--pids-limit -1` (no limit) as the help says, and a negative oom_score_adj.
    @Test func negativeValuesStillParseThroughArgumentParser() throws {
        let options = try Run.parse(["--pids-limit", "-1", "--oom-score-adj", "-500", "--", "true"]).options
        #expect(options.pidsLimit == -1 && options.oomScoreAdj == -500)
    }

    @Test func anUnknownCgroupDriverIsRefusedWithTheChoices() throws {
        let options = try #require(RunOptions.scan(["--cgroup-driver", "docker", "--", "true"]))
        let error = #expect(throws: ValidationError.self) { try options.validate() }
        #expect(error?.message == "invalid --cgroup-driver \"docker\": expected auto, systemd, cgroupfs")
    }
}

/// `run --image`: what the line may say about the root, and where its writable layer goes.
@Suite struct RunImageOptionsTests {
    @Test func anImageAndARootfsAreRefusedTogetherAndTheCommandIsOptionalWithAnImage() throws {
        #expect(throws: (any Error).self) { try Run.parse(["--image", "redis:7", "--rootfs", "/srv/root", "--", "true"]) }
        #expect(throws: (any Error).self) { try Run.parse([]) }
        #expect(try Run.parse(["--image", "redis:7"]).options.command.isEmpty)
    }

    @Test func theWritableLayersGoBesideTheImageStore() {
        #expect(RunOptions.writableLayerRoot("/var/lib/aicore/images") == "/var/lib/aicore/run-writable")
        #expect(RunOptions.writableLayerRoot("/srv/store/images/") == "/srv/store/run-writable")
        #expect(RunOptions.writableLayerRoot("/images") == "/run-writable")
    }
}
