import AICoreErrors
import AICoreOS
import AICorePaths
import AICoreSpec
import AICoreRuntime
import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// `aicore-node run`: the `docker run` of aicore-node. Runs one command in the foreground with
/// the default isolation, passes its output through, forwards Ctrl-C, and exits with its status.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a command in a new isolated instance, in the foreground.",
        discussion: """
        The instance gets its own pid, mount, uts and ipc namespaces (and network with \
        --network none), a cgroup with the given limits (pids default to 4096), no_new_privs, \
        Docker's default capabilities for root (none for any other user), and Docker's default \
        seccomp profile. Its root is the host's / mounted read-only, --rootfs DIR, or --image \
        IMAGE (its layers from the agent's store under a fresh writable layer, its config as \
        `docker run` applies it: the command replaces Cmd, -e, -u and -w win); it gets a \
        fresh /proc, a minimal /dev, a read-only /sys, a private /tmp and /run, and Docker's masked \
        and read-only /proc paths.

        Read-only root: the host root (the default) is always read-only and --read-only changes \
        nothing for it. With --rootfs DIR or --image the root is writable unless --read-only is given. \
        Either way, writable places are only /tmp, /run (host root), /dev/shm, and the volumes \
        and tmpfs mounts given with -v and --tmpfs.

        The workload's stdout and stderr are copied to this terminal and written to a log file \
        (`<state-dir>/<name>/logs/container.log` unless --log-dir is given), one line per record: \
        `<RFC 3339 time> stdout|stderr F <text>`. Exit status: the command's, 128+N when it was \
        killed by signal N, 137 with `OOMKilled` on stderr when it hit the memory limit, 125 when \
        aicore-node itself failed, 126/127 when the command cannot be run / was not found.
        """
    )

    @Option(name: .long, help: "Instance name (default: run-<random>).")
    var name: String?

    @Option(name: .long, help: "Memory limit, e.g. 256m (swap is limited to the same).")
    var memory: String?

    @Option(name: .long, help: "CPU quota in CPUs, e.g. 0.5.")
    var cpus: Double?

    @Option(name: .long, help: "Relative CPU weight (1-10000).")
    var cpuWeight: UInt64?

    // .unconditional: `--pids-limit -1` is a value, not an unknown option `-1`.
    @Option(name: .long, parsing: .unconditional, help: "Maximum number of processes (default 4096; -1 for no limit).")
    var pidsLimit: Int = 4096

    @Option(name: [.short, .long], help: "User: name|uid[:group|gid], resolved in the root filesystem.")
    var user: String?

    @Flag(name: .long, help: "Mount the --rootfs read-only (the host root always is).")
    var readOnly = false

    @Option(name: [.customShort("v"), .long], help: "Bind mount SRC:DST[:ro].")
    var volume: [String] = []

    @Option(name: .long, help: "tmpfs mount PATH[:size=64m,mode=1777,ro].")
    var tmpfs: [String] = []

    @Option(name: .long, help: "Hide a host path from the workload, besides the host's secrets (x-aicore.hide_paths).")
    var hide: [String] = []

    @Option(name: .long, help: "Add a capability (or ALL).")
    var capAdd: [String] = []

    @Option(name: .long, help: "Drop a capability (or ALL).")
    var capDrop: [String] = []

    @Option(name: .long, help: "seccomp=unconfined, seccomp=PROFILE.json, no-new-privileges[:true].")
    var securityOpt: [String] = []

    @Option(name: [.short, .long], help: "Set an environment variable K=V (K alone: take it from here).")
    var env: [String] = []

    @Option(name: .long, help: "Read environment variables from a file (K=V lines).")
    var envFile: [String] = []

    @Option(name: [.customShort("w"), .long], help: "Working directory inside the instance.")
    var workdir: String?

    @Option(name: [.customShort("h"), .long], help: "Hostname (default: the instance name).")
    var hostname: String?

    @Option(name: .long, help: "Directory to use as the root filesystem instead of the host's /.")
    var rootfs: String?

    @Option(name: .long, help: "Run on this image (from the agent's store: `image pull`/`image load`) instead of a root; the command, if any, replaces its Cmd.")
    var image: String?

    @Option(name: .long, help: "The image store --image reads (default /var/lib/aicore/images, the agent's).")
    var imageStore: String = RunOptions.defaultImageStore

    @Option(name: .long, help: "Network: host (default) or none.")
    var network: String = "host"

    @Option(name: .long, help: "rlimit NAME=SOFT[:HARD], e.g. nofile=1024:4096.")
    var ulimit: [String] = []

    @Option(name: .long, parsing: .unconditional, help: "The workload's oom_score_adj, -1000 to 1000 (default 0, not this process's own).")
    var oomScoreAdj: Int32 = 0

    @Option(name: .long, help: "Directory for the log file (default: the instance's state directory).")
    var logDir: String?

    @Option(name: .long, help: "Rotate the log file at this size (default 10m).")
    var logMaxSize: String = "10m"

    @Option(name: .long, help: "Log files kept, the current one included (default 3).")
    var logMaxFiles: Int = 3

    @Option(name: .long, help: "Where instance state directories go.")
    var stateDir: String = "/run/aicore/run"

    @Option(name: .long, help: "Who makes the instance's cgroup: auto (a transient systemd scope where PID 1 is systemd with cgroup v2, else cgroupfs), systemd or cgroupfs.")
    var cgroupDriver: String = CgroupDriver.auto.rawValue

    @Flag(name: .long, help: "Keep the instance's state directory (exit file, log) after it exits.")
    var keepState = false

    @Argument(parsing: .postTerminator, help: "-- COMMAND [ARG...] (the -- is required; optional with --image)")
    var command: [String] = []

    /// The parsed values, as `RunOptions.scan` makes them without ArgumentParser.
    var options: RunOptions {
        RunOptions(name: name, memory: memory, cpus: cpus, cpuWeight: cpuWeight, pidsLimit: pidsLimit, user: user,
                   readOnly: readOnly, volume: volume, tmpfs: tmpfs, hide: hide, capAdd: capAdd, capDrop: capDrop,
                   securityOpt: securityOpt, env: env, envFile: envFile, workdir: workdir, hostname: hostname,
                   rootfs: rootfs, image: image, imageStore: imageStore, network: network, ulimit: ulimit, oomScoreAdj: oomScoreAdj, logDir: logDir,
                   logMaxSize: logMaxSize, logMaxFiles: logMaxFiles, stateDir: stateDir, cgroupDriver: cgroupDriver, keepState: keepState,
                   command: command.first == "--" ? Array(command.dropFirst()) : command)
    }

    func validate() throws {
        try options.validate()
    }

    /// docker run's failure shape: one line, exit 125.
    static func fail(_ message: String, code: Int32 = 125) -> Never {
        writeStderr("aicore-node run: \(message)\n")
        Glibc.exit(code)
    }

    func run() async throws {
        try await options.run()
    }
}

/// Writes to fd 2 directly (the C `stderr` global is shared mutable state to Swift 6).
func writeStderr(_ text: String) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return }
        offset += n
    }
}
