import AICoreOS
import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The host's secrets, from inside a root workload on the host root (issue 13, finding 4).
extension IsolationTests {
    /// Every path of the default list is there (made for the test when the host lacks it, so
    /// none passes by being absent), and a root workload reads nothing of it: a hidden file is
    /// empty, a hidden directory is empty.
    @Test(arguments: ["/srv/../etc/shadow", "etc/shadow", "/", "/etc/./shadow"])
    func runRefusesAHiddenPathItCannotHideAsWritten(path: String) async throws {
        let name = TestEnvironment.uniqueName("hidebad")
        let r = try await run(name, ["--hide", path, "--", "/bin/true"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("invalid --hide \"\(path)\""), "\(r.stderr)")
    }

    @Test func hostSecretsAreHiddenFromARootWorkload() async throws {
        let marker = TestEnvironment.uniqueName("secret")
        var made: [String] = []
        defer { for path in made.reversed() { try? FileIO.removeTree(path) } }
        func ensure(_ path: String, directory: Bool) throws {
            guard !FileIO.exists(path) else { return }
            if directory {
                try FileIO.makeDirectories(path, mode: 0o700)
            } else {
                try FileIO.write(path, "root-only \(marker)\n", mode: 0o600)
            }
            made.append(path)
        }
        let files = ["/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/ssh/ssh_host_\(marker)_key"]
        try ensure("/etc/ssh", directory: true)
        for file in files { try ensure(file, directory: false) }
        for directory in ["/root", "/home"] {
            try ensure(directory, directory: true)
            try ensure(directory + "/" + marker, directory: false)
        }
        for file in files { #expect(try !FileIO.read(file).isEmpty, "\(file) has something to hide on the host") }

        let script = """
        import os, sys
        for p in sys.argv[1:]:
            if os.path.isdir(p):
                print(p, sorted(os.listdir(p)))
            else:
                with open(p, "rb") as f:
                    print(p, len(f.read()))
        """
        let r = try await run(TestEnvironment.uniqueName("secrets"), ["--", "/usr/bin/python3", "-c", script] + files + ["/root", "/home"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == files.map { "\($0) 0\n" }.joined() + "/root []\n/home []\n")
    }

    /// A unix socket is reachable through any path the workload sees: one in a directory of
    /// the default list and one in a directory the service hides (`--hide`, as
    /// `x-aicore.hide_paths`) cannot be connected to; one elsewhere still can.
    @Test func unixSocketsInHiddenDirectoriesCannotBeConnectedTo() async throws {
        let marker = TestEnvironment.uniqueName("sock")
        let directories = ["/root/\(marker)", "/var/tmp/\(marker)-hidden", "/var/tmp/\(marker)-open"]
        var listeners: [Int32] = []
        defer {
            for fd in listeners { close(fd) }
            for directory in directories { try? FileIO.removeTree(directory) }
        }
        for directory in directories {
            try FileIO.makeDirectories(directory, mode: 0o755)
            listeners.append(try listenOnUnixSocket(directory + "/api.sock"))
        }
        let script = """
        import socket, sys, errno
        for p in sys.argv[1:]:
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(p)
                print(p, "connected")
            except OSError as e:
                print(p, errno.errorcode[e.errno])
        """
        let sockets = directories.map { $0 + "/api.sock" }
        let r = try await run(TestEnvironment.uniqueName("sock"), ["--hide", directories[1], "--", "/usr/bin/python3", "-c", script] + sockets)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "\(sockets[0]) ENOENT\n\(sockets[1]) ENOENT\n\(sockets[2]) connected\n")
    }

    /// A volume the service declares below a hidden directory is mounted (the service asked for
    /// it); the rest of the directory stays empty and read-only.
    @Test func aVolumeBelowAHiddenDirectoryIsStillMounted() async throws {
        let volume = try TestEnvironment.temporaryDirectory("rootvol")
        defer { try? FileIO.removeTree(volume) }
        let script = "ls -A /root; echo ok > /root/data/probe && echo written; touch /root/other 2>/dev/null || echo refused"
        let r = try await run(TestEnvironment.uniqueName("rootvol"), ["-v", "\(volume):/root/data", "--", "sh", "-c", script])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "data\nwritten\nrefused\n")
        #expect(FileIO.exists(volume + "/probe"))
    }

    /// Listens on a new unix socket at `path` (connects succeed without an accept).
    func listenOnUnixSocket(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError.last("socket") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, byte) in bytes.prefix(buffer.count - 1).enumerated() { buffer[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else {
            let error = SystemError.last("listen on \(path)")
            close(fd)
            throw error
        }
        return fd
    }
}
