// swift-tools-version: 6.1
import Foundation
import PackageDescription

/// Compiler settings shared by every Swift target (as hummingbird's Package.swift).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Pharos",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pharos", targets: ["pharos"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C libraries from Debian.
        .systemLibrary(name: "CXXHash", pkgConfig: "libxxhash", providers: [.apt(["libxxhash-dev"])]),
        .systemLibrary(name: "CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"])]),
        .target(
            name: "CRE2",
            linkerSettings: [.linkedLibrary("re2")]
        ),

        // Pipeline stages (see docs/architecture.md).
        .target(
            name: "Model",
            dependencies: [
                "CXXHash",
                "CRE2",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Exposition",
            dependencies: [
                "Model",
                "CSnappy",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Config",
            dependencies: ["Model", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(name: "PromQL", dependencies: ["Model"], swiftSettings: swiftSettings),
        .target(name: "Template", dependencies: ["Model"], swiftSettings: swiftSettings),
        .target(
            name: "Rules",
            dependencies: ["Model", "Config", "PromQL", "Template", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "pharos",
            dependencies: [
                "Model",
                "Config",
                "Rules",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        .testTarget(name: "ModelTests", dependencies: ["Model"], swiftSettings: swiftSettings),
        .testTarget(name: "ExpositionTests", dependencies: ["Exposition"], swiftSettings: swiftSettings),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "Model"], swiftSettings: swiftSettings),
        .testTarget(name: "PromQLTests", dependencies: ["PromQL", "Model"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "RulesTests", dependencies: ["Rules", "Config", "Model", "PromQL"], swiftSettings: swiftSettings),
        .testTarget(name: "TemplateTests", dependencies: ["Template"], swiftSettings: swiftSettings),
    ],
    cxxLanguageStandard: .cxx17
)
