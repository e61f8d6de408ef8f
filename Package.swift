// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "aicore-node",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "aicore-node", targets: ["aicore-node"]),
        .executable(name: "aicore-sample-api", targets: ["aicore-sample-api"]),
        .executable(name: "aicore-init", targets: ["aicore-init"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        // The agent's REST endpoint and the sample API workload.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // TLS for the agent's TCP endpoint and the CLI (already built for postgres-nio).
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // Images: digests (SHA-256) and the registry client (HTTP/1.1 and HTTP/2, TLS, redirects
        // under our control so credentials never follow a blob to another host).
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // What a mount destination inside an instance may be: one rule for the stack loader and
        // for `run -v` (AICoreSpec and AICoreSystem are both leaves of everything else).
        .target(name: "AICorePaths"),
        // IPv4/IPv6 addresses and networks, and CPU lists, as values: what a stack file writes
        // (`ipv4_address`, `ipam.config.subnet`, `cpuset`), what the network and cgroup layers
        // apply, and the registry's CIDRs.
        .target(name: "AICoreAddresses"),
        // The one error type every module above the OS layer throws (code, message, cause,
        // context); a leaf, so the Store, the runtime and the CLI can share it.
        .target(name: "AICoreErrors"),
        // Cron schedules as a Kubernetes CronJob reads them (robfig/cron v3's standard parser,
        // its daylight-saving behaviour included): a leaf, for the scheduled-jobs controller.
        .target(name: "AICoreSchedule"),
        // Kubernetes' HorizontalPodAutoscaler v2 algorithm (replica calculation, behavior,
        // stabilization) as pure functions of samples and an injected time: for the autoscaler.
        .target(name: "AICoreAutoscale", dependencies: ["AICoreErrors"]),
        // The stack model: Compose subset + x-aicore, loader, interpolation, validation.
        .target(
            name: "AICoreSpec",
            dependencies: ["AICorePaths", "AICoreAddresses", .product(name: "Yams", package: "Yams")]
        ),
        // The only C code: clone3/child setup/exec, the instance init, setns for exec,
        // seccomp compilation and systemd glue. Only AICoreOS and AICoreSystem import it.
        .target(
            name: "CAICoreShim",
            linkerSettings: [
                .linkedLibrary("seccomp"),
                .linkedLibrary("cap"),
            ]
        ),
        // The instance init: exec'd (from a sealed memfd) by every instance once its filesystem
        // is set up, so that nothing of the agent's memory reaches an instance. Static, because
        // it runs inside the instance's root, whatever that holds (docs/runtime.md).
        .executableTarget(
            name: "aicore-init",
            dependencies: ["CAICoreShim"],
            linkerSettings: [.unsafeFlags(["-static-executable"])]
        ),
        // sd_notify for the agent's Type=notify unit (libsystemd has no static library).
        .target(
            name: "CAICoreSystemd",
            linkerSettings: [.linkedLibrary("systemd")]
        ),
        // The host primitives every layer may use: files read and written without following
        // symlinks, `SystemError`, a free loopback port, and the values a task is described with
        // (mounts, rlimits, cgroup limits, device rules). No process, namespace or cgroup work.
        .target(
            name: "AICoreSystem",
            dependencies: ["CAICoreShim", "AICorePaths", "AICoreAddresses"]
        ),
        // The Swift Linux layer: namespaces, mounts, capabilities, seccomp, pidfd, cgroups v1/v2.
        // Only the runtime and the composition roots (the agent's LocalNode, `run`) import it.
        .target(
            name: "AICoreOS",
            dependencies: ["CAICoreShim", "CAICoreSystemd", "AICorePaths", "AICoreSystem"]
        ),
        // libarchive (Debian's libarchive-dev): reads image layers (tar; gzip, zstd, xz).
        .systemLibrary(
            name: "CAICoreArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]
        ),
        // Applies an OCI image layer to a directory of its own: libarchive reads it, and every
        // write is made by us, confined to that directory with openat2, whiteouts turned into
        // overlayfs ones. Part of the Swift Linux layer (it calls C directly).
        .target(
            name: "AICoreLayerFS",
            dependencies: [
                "CAICoreArchive", "CAICoreShim", "AICoreErrors", "AICoreSystem",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // libnftables (Debian's libnftables-dev): the agent's own nftables table, written as one
        // transaction. Only AICoreNetwork imports it.
        .systemLibrary(
            name: "CAICoreNFTables",
            pkgConfig: "libnftables",
            providers: [.apt(["libnftables-dev"])]
        ),
        // Networking: rtnetlink through the C shim (bridges, veth pairs, addresses, routes),
        // work inside other network namespaces on threads of its own, and the agent's nftables
        // table (forwarding, isolation, masquerade) through libnftables.
        .target(
            name: "AICoreNetwork",
            dependencies: ["AICoreAddresses", "CAICoreShim", "CAICoreNFTables", "AICoreErrors", "AICoreSystem"]
        ),
        // Names: the embedded DNS resolver each instance reaches at 127.0.0.11:53 (its own small
        // codec, the record table the agent fills, forwarding to the host's upstreams), on SwiftNIO.
        .target(
            name: "AICoreDNS",
            dependencies: [
                "AICoreAddresses", "AICoreErrors", "AICoreNetwork",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Images: references, digests, manifests and platforms, the content store, the registry
        // client (OCI distribution v2 with Docker's auth), pulls, loads and unpacked layers.
        .target(
            name: "AICoreImages",
            dependencies: [
                "AICoreAddresses", "AICoreErrors", "AICoreSystem", "AICoreLayerFS",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // Blob downloads and credential files are written off the cooperative pool.
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // TaskDriver: start, recover, wait, signal, stop, exec and stats of isolated instances.
        .target(
            name: "AICoreRuntime",
            dependencies: ["AICoreAddresses", "AICoreErrors", "AICoreOS", "AICoreSystem", "AICoreNetwork"]
        ),
        // Durable state: stacks, revisions, services, instances and events (SQLite via GRDB, WAL).
        // Below the supervisor because re-adoption after an agent restart starts from it.
        .target(
            name: "AICoreStore",
            dependencies: ["AICoreErrors", "AICoreSpec", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Keeps instances alive and truthful: TaskRunner, RestartTracker, probes, logs, re-adoption.
        .target(
            name: "AICoreSupervisor",
            dependencies: [
                "AICoreAddresses", "AICoreDNS", "AICoreErrors", "AICoreNetwork", "AICoreRuntime", "AICoreSpec", "AICoreStore", "AICoreSystem", "AICoreImages",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Desired vs actual: the Reconciler, its pure planner, the Scheduler (reservations against
        // node capacity), service VIPs and named volumes. Talks to nodes only through `NodeAgent`
        // and does no host I/O of its own (no AICoreOS): the agent side reads and changes the host.
        .target(
            name: "AICoreController",
            dependencies: ["AICoreAddresses", "AICoreErrors", "AICoreNetwork", "AICoreSupervisor", "AICoreStore", "AICoreSpec", "AICoreRuntime", "AICoreSystem", "AICoreImages"]
        ),
        // The agent process: the control plane over the controller, the REST endpoint
        // (Hummingbird: routes, auth, problem+json, metrics) and the L4 service proxy (SwiftNIO).
        .target(
            name: "AICoreServer",
            dependencies: [
                "AICoreAddresses", "AICoreDNS", "AICoreErrors", "AICoreNetwork",
                "AICoreController",
                "AICoreSupervisor",
                "AICoreStore",
                "AICoreSpec",
                "AICoreRuntime",
                "AICoreOS",
                "AICoreSystem",
                "AICoreImages",
                // `cp`: the tar an instance's files travel in, written and applied inside its root.
                "AICoreLayerFS",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Test helpers only (fakes, child processes); never linked into the executable.
        .target(
            name: "AICoreTestSupport",
            dependencies: ["AICoreAddresses", "AICoreErrors", "AICoreRuntime", "AICoreSupervisor", "AICoreSystem",
                           .product(name: "AsyncHTTPClient", package: "async-http-client")],
            // The registry token server that the images tests and the CLI's end-to-end tests start.
            resources: [.copy("Fixtures")]
        ),
        // ArgumentParser commands; the executable holds only the entry point.
        .target(
            name: "AICoreCLI",
            dependencies: [
                "AICoreErrors",
                // `cp`: the host side's tar, made and applied with the agent's rules.
                "AICoreLayerFS",
                "AICorePaths",
                "AICoreSpec",
                "AICoreRuntime",
                "AICoreOS",
                "AICoreSystem",
                "AICoreStore",
                "AICoreSupervisor",
                "AICoreController",
                "AICoreServer",
                "AICoreImages",
                "AICoreNetwork",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .executableTarget(name: "aicore-node", dependencies: ["AICoreCLI"]),
        // The demo and test workload, independent of every other AICore module: an HTTP API that
        // really uses PostgreSQL and Redis, with fault switches for the orchestrator's tests.
        .target(
            name: "AICoreSampleAPI",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "aicore-sample-api",
            dependencies: [
                "AICoreSampleAPI",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "AICoreAddressesTests",
            dependencies: ["AICoreAddresses"]
        ),
        .testTarget(
            name: "AICoreScheduleTests",
            dependencies: ["AICoreSchedule"]
        ),
        .testTarget(
            name: "AICoreAutoscaleTests",
            dependencies: ["AICoreAutoscale", "AICoreErrors"]
        ),
        .testTarget(
            name: "AICorePathsTests",
            dependencies: ["AICorePaths"]
        ),
        .testTarget(
            name: "AICoreSpecTests",
            dependencies: ["AICoreSpec"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "AICoreOSTests",
            dependencies: ["AICoreOS", "AICoreTestSupport", "AICoreSystem"]
        ),
        .testTarget(
            name: "AICoreLayerFSTests",
            dependencies: ["AICoreLayerFS", "AICoreErrors", "AICoreSystem", "AICoreTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "AICoreImagesTests",
            dependencies: [
                "AICoreImages", "AICoreLayerFS", "AICoreErrors", "AICoreSystem", "AICoreTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The registry tests' token server (python3) and the script that makes test images.
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "AICoreRuntimeTests",
            dependencies: ["AICoreAddresses", "AICoreErrors", "AICoreRuntime", "AICoreOS", "AICoreTestSupport", "AICoreSystem", "AICoreNetwork"]
        ),
        .testTarget(
            name: "AICoreNetworkTests",
            dependencies: ["AICoreAddresses", "AICoreNetwork", "AICoreErrors", "AICoreSystem", "AICoreTestSupport"]
        ),
        .testTarget(
            name: "AICoreDNSTests",
            dependencies: [
                "AICoreAddresses", "AICoreDNS", "AICoreErrors", "AICoreNetwork", "AICoreSystem", "AICoreTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "AICoreStoreTests",
            dependencies: ["AICoreErrors", "AICoreStore", "AICoreSpec", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "AICoreSupervisorTests",
            dependencies: ["AICoreAddresses", "AICoreErrors", "AICoreNetwork", "AICoreSupervisor", "AICoreTestSupport", "AICoreRuntime", "AICoreStore", "AICoreSpec", "AICoreOS", "AICoreSystem"]
        ),
        .testTarget(
            name: "AICoreControllerTests",
            dependencies: ["AICoreErrors", "AICoreController", "AICoreSupervisor", "AICoreTestSupport", "AICoreRuntime", "AICoreStore", "AICoreSpec", "AICoreOS", "AICoreSystem"]
        ),
        .testTarget(
            name: "AICoreSampleAPITests",
            dependencies: [
                "AICoreSampleAPI",
                "AICoreTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "AICoreServerTests",
            dependencies: [
                "AICoreErrors", "AICoreNetwork", "AICoreAddresses", "AICoreDNS",
                "AICoreServer",
                "AICoreController",
                "AICoreSupervisor",
                "AICoreTestSupport",
                "AICoreRuntime",
                "AICoreStore",
                "AICoreSpec",
                "AICoreOS",
                "AICoreSystem",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(
            name: "AICoreCLITests",
            dependencies: ["AICoreErrors", "AICoreNetwork", "AICoreCLI", "AICoreSpec", "AICoreTestSupport", "AICoreServer", "AICoreOS", "AICoreSystem"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
