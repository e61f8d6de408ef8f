// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "aicore-node",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "aicore-node", targets: ["aicore-node"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // The stack model: Compose subset + x-aicore, loader, interpolation, validation.
        .target(
            name: "AICoreSpec",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        // ArgumentParser commands; the executable holds only @main.
        .target(
            name: "AICoreCLI",
            dependencies: [
                "AICoreSpec",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "aicore-node", dependencies: ["AICoreCLI"]),
        .testTarget(
            name: "AICoreSpecTests",
            dependencies: ["AICoreSpec"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "AICoreCLITests",
            dependencies: ["AICoreCLI", "AICoreSpec"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
