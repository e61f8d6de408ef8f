// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "aicore-node",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "aicore-node", targets: ["aicore-node"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // The only C code: clone3/child setup/exec, the instance init, setns for exec,
        // seccomp compilation and systemd glue. Only AICoreOS imports it.
        .target(
            name: "CAICoreShim",
            linkerSettings: [
                .linkedLibrary("seccomp"),
                .linkedLibrary("cap"),
                .linkedLibrary("systemd"),
            ]
        ),
        .target(
            name: "AICoreOS",
            dependencies: ["CAICoreShim"]
        ),
        .target(
            name: "AICoreRuntime",
            dependencies: ["AICoreOS"]
        ),
        .target(
            name: "AICoreCLI",
            dependencies: [
                "AICoreRuntime",
                "AICoreOS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "aicore-node",
            dependencies: ["AICoreCLI"]
        ),
        .testTarget(
            name: "AICoreOSTests",
            dependencies: ["AICoreOS"]
        ),
        .testTarget(
            name: "AICoreRuntimeTests",
            dependencies: ["AICoreRuntime", "AICoreOS"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
