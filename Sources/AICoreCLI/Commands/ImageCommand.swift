import ArgumentParser

/// `aicore-node image`: the images on the node, as `docker image` has them.
struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "List, inspect, pull, load, save, remove and prune images.",
        discussion: """
            The agent keeps images itself, with no container daemon: each blob verified against \
            its digest, each layer unpacked once and shared by every image and instance that \
            uses it. A service that names an `image:` runs on the image's layers (overlayfs), \
            with a writable layer of its own.

              aicore-node image pull redis:7
              aicore-node image load -i redis.tar
              aicore-node image save -o redis.tar redis:7
              aicore-node image ls
              aicore-node image inspect redis:7
              aicore-node image rm redis:7
              aicore-node image prune -a -f
            """,
        subcommands: [Ls.self, Inspect.self, Pull.self, Load.self, Save.self, Rm.self, Prune.self, Df.self]
    )
}
