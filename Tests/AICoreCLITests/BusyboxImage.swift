import AICoreSystem
import Foundation
import Testing

/// A small image made on this host, with no registry: busybox (its applets reached as
/// `busybox NAME`), `/bin/sh` and a few applets' links, an `app` user (1000) and a Cmd that sleeps, written by
/// umoci as an OCI layout, turned into a `docker save` archive by skopeo and loaded into the
/// harness's agent by `image load`, as a user would.
enum BusyboxImage {
    /// Loads the image as `name` (e.g. `localhost/box:1`) into the harness's store.
    static func load(_ name: String, into harness: AgentHarness) async throws {
        let directory = harness.directory + "/busybox-image"
        let files = directory + "/files"
        for sub in ["/bin", "/etc", "/tmp", "/data"] { try FileIO.makeDirectories(files + sub, mode: 0o755) }
        try FileIO.copyFile("/bin/busybox", to: files + "/bin/busybox")
        try FileIO.setMode(files + "/bin/busybox", 0o755)
        try FileIO.setMode(files + "/tmp", 0o1777)
        // The applets the tests' scripts call, by name as a shell finds them.
        for applet in ["sh", "cat", "chmod", "chown", "ln", "ls", "mkdir", "stat", "sleep", "rm"] where !FileIO.isSymbolicLink(files + "/bin/" + applet) {
            #expect(symlink("busybox", files + "/bin/" + applet) == 0)
        }
        try FileIO.write(files + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/data:/bin/sh\n")
        try FileIO.write(files + "/etc/group", "root:x:0:\napp:x:1000:\n")
        try FileIO.write(files + "/etc/motd", "from the image\n")
        let layout = directory + "/layout"
        func tool(_ path: String, _ arguments: [String]) async throws {
            let output = try await run(path, arguments)
            try #require(output.status == 0, "\(path) \(arguments): \(output.stderr)")
        }
        try? FileManager.default.removeItem(atPath: layout)
        try await tool("/usr/bin/umoci", ["init", "--layout", layout])
        try await tool("/usr/bin/umoci", ["new", "--image", "\(layout):t"])
        try await tool("/usr/bin/umoci", ["insert", "--image", "\(layout):t", files, "/"])
        try await tool("/usr/bin/umoci", ["config", "--image", "\(layout):t",
                                          "--config.cmd", "/bin/busybox", "--config.cmd", "sleep", "--config.cmd", "3600"])
        let archive = directory + "/image.tar"
        try? FileManager.default.removeItem(atPath: archive)
        try await tool("/usr/bin/skopeo", ["copy", "oci:\(layout):t", "docker-archive:\(archive):\(name)"])
        let load = try await harness.cli(["image", "load", "-i", archive])
        try #require(load.status == 0, "image load: \(load.stderr)")
    }
}
