// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "aicore-node",
    products: [
        .library(name: "AICoreOS", targets: ["AICoreOS"]),
    ],
    targets: [
        .target(name: "AICoreOS"),
        .testTarget(name: "AICoreOSTests", dependencies: ["AICoreOS"]),
    ],
    swiftLanguageModes: [.v6]
)
