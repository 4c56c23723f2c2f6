// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "flow",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "flow", targets: ["flow"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1",
                       providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .target(name: "CSpawn"),
        .target(name: "YAMLNode", dependencies: ["CYAML"]),
        .target(name: "FlowConfig", dependencies: ["YAMLNode"]),
        .target(name: "FlowEngine", dependencies: ["FlowConfig", "CCrypto", "CSpawn"]),
        .target(name: "FlowSteps", dependencies: ["FlowEngine"]),
        .executableTarget(name: "flow", dependencies: [
            "FlowSteps",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "YAMLNodeTests", dependencies: ["YAMLNode"]),
        .testTarget(name: "FlowConfigTests", dependencies: ["FlowConfig", "FlowSteps"]),
        .testTarget(name: "FlowEngineTests", dependencies: ["FlowEngine", "FlowSteps"]),
        .testTarget(name: "FlowCLITests", dependencies: ["FlowSteps"]),
    ],
    swiftLanguageModes: [.v5]
)
