// swift-tools-version:6.0
import PackageDescription

// The numeric modules are compiled with optimisation even in debug builds: the physics tests
// generate 10^5–10^6 events, which unoptimised code makes minutes instead of seconds.
let optimized: [SwiftSetting] = [.unsafeFlags(["-O"])]

let package = Package(
    name: "flow",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "flow", targets: ["flow"]),
        .executable(name: "flow-bench", targets: ["flow-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1",
                       providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CCodecs", providers: [.apt(["liblz4-dev", "libzstd-dev", "liblzma-dev", "libxxhash-dev"])]),
        .target(name: "CSpawn"),
        // flow's matrix kernels: optimised C even in debug builds, and no FP contraction, so the only fused
        // multiply-adds are the ones the code writes (the order that makes results CPU-independent).
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"])]),
        .target(name: "CFiles"),
        .target(name: "YAMLNode", dependencies: ["CYAML"]),
        .target(name: "FlowConfig", dependencies: ["YAMLNode"]),
        .target(name: "FlowEngine", dependencies: ["FlowConfig", "YAMLNode", "CCrypto", "CSpawn", "CFiles"]),
        .target(name: "Random", swiftSettings: optimized),
        .target(name: "EventData", dependencies: ["CZlib"], swiftSettings: optimized),
        .target(name: "LHEF", dependencies: ["CZlib", "EventData"]),
        .target(name: "ROOTIO", dependencies: ["CZlib", "CCodecs", "EventData"], swiftSettings: optimized),
        .target(name: "TopGenerator", dependencies: ["EventData", "Random"], swiftSettings: optimized),
        .target(name: "ModelContainer", dependencies: ["CZlib"], swiftSettings: optimized),
        .target(name: "Network", dependencies: ["CBLAS", "CKernels", "Random", "ModelContainer"], swiftSettings: optimized),
        .target(name: "Calibration", swiftSettings: optimized),
        .target(name: "BoostedTrees", dependencies: ["ModelContainer"], swiftSettings: [.unsafeFlags(["-Ounchecked"])]),
        .target(name: "Metrics", dependencies: ["Network", "Random"], swiftSettings: optimized),
        .target(name: "Statistics", swiftSettings: optimized),
        .target(name: "ONNX", dependencies: ["Network", "Calibration", "BoostedTrees"]),
        .target(name: "Artefacts"),
        .target(name: "Report", dependencies: ["Artefacts", "Metrics"]),
        .target(name: "NearestNeighbours", swiftSettings: optimized),
        .target(name: "Reweighting", dependencies: ["Network", "Calibration", "EventData", "NearestNeighbours", "Random"], swiftSettings: optimized),
        .target(name: "FlowSteps", dependencies: ["Artefacts", "FlowConfig", "FlowEngine", "EventData", "ROOTIO", "LHEF", "BoostedTrees", "TopGenerator", "Network", "Calibration", "Metrics", "Reweighting", "Report", "Random", "Statistics", "ONNX"]),
        .target(name: "SlurmExecutor", dependencies: ["FlowConfig", "FlowEngine"]),
        .target(name: "XRootDRemote", dependencies: ["FlowEngine"]),
        .target(name: "FlowPlugins", dependencies: ["FlowConfig", "FlowEngine", "FlowSteps", "SlurmExecutor"]),
        .executableTarget(name: "flow", dependencies: [
            "FlowConfig", "FlowEngine", "FlowPlugins", "FlowSteps", "EventData", "LHEF", "ROOTIO", "SlurmExecutor", "XRootDRemote", "YAMLNode",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "flow-bench", dependencies: ["EventData", "TopGenerator", "Network", "Calibration", "ROOTIO", "LHEF", "BoostedTrees", "Random"], path: "Sources/flow-bench"),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "YAMLNodeTests", dependencies: ["YAMLNode"]),
        // The configuration layer and the engine are tested with made-up step kinds; the kinds flow
        // ships (their schema, the shipped workflows) in CatalogTests and FlowStepsTests.
        .testTarget(name: "FlowConfigTests", dependencies: ["FlowConfig", "YAMLNode", "TestSupport"]),
        .testTarget(name: "FlowEngineTests", dependencies: ["FlowConfig", "FlowEngine"]),
        .testTarget(name: "CatalogTests", dependencies: ["FlowConfig", "FlowPlugins", "FlowSteps", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "FlowCLITests"),
        .testTarget(name: "ROOTIOTests", dependencies: ["ROOTIO", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "LHEFTests", dependencies: ["LHEF", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics"]),
        .testTarget(name: "StatisticsTests", dependencies: ["Statistics", "TestSupport"]),
        .testTarget(name: "ReportTests", dependencies: ["Report"]),
        .testTarget(name: "EventDataTests", dependencies: ["EventData", "Random", "TestSupport"]),
        .testTarget(name: "FlowStepsTests", dependencies: ["FlowConfig", "FlowEngine", "FlowSteps", "EventData", "Artefacts", "Calibration", "Network", "Random", "Reweighting", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "NetworkTests", dependencies: ["Network"]),
        .testTarget(name: "BoostedTreesTests", dependencies: ["BoostedTrees", "TestSupport"]),
        .testTarget(name: "ModelContainerTests", dependencies: ["ModelContainer", "Network", "BoostedTrees"]),
        .testTarget(name: "ReweightingTests", dependencies: ["Reweighting", "Network", "Calibration", "EventData", "NearestNeighbours", "Random"]),
        .testTarget(name: "CalibrationTests", dependencies: ["Calibration", "Metrics", "EventData", "Random", "TestSupport"]),
        .testTarget(name: "TopGeneratorTests", dependencies: ["TopGenerator", "EventData", "Metrics", "Random"]),
    ],
    swiftLanguageModes: [.v5]
)

// libFuzzer targets (`make fuzz`): they link libFuzzer, so they exist only when FLOW_FUZZ=1, built
// with `-sanitize=fuzzer` into their own scratch path.
let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
    ("fuzz-yaml", ["YAMLNode", "FlowConfig", "FlowSteps"]),
    ("fuzz-csv", ["EventData"]),
    ("fuzz-npy", ["EventData"]),
    ("fuzz-npz", ["EventData"]),
    ("fuzz-root", ["ROOTIO"]),
    ("fuzz-lhe", ["LHEF"]),
    ("fuzz-model", ["Network", "BoostedTrees"]),
]
if Context.environment["FLOW_FUZZ"] == "1" {
    package.targets.append(.target(name: "CFuzzerDriver", path: "Fuzz/Sources/CFuzzerDriver"))
    for target in fuzzTargets {
        package.targets.append(.executableTarget(
            name: target.name, dependencies: target.dependencies + ["CFuzzerDriver"], path: "Fuzz/Sources/\(target.name)"))
        package.products.append(.executable(name: target.name, targets: [target.name]))
    }
}
