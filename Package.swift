// swift-tools-version: 6.1
import Foundation
import PackageDescription

/// Compiler settings shared by every Swift target (as hummingbird's Package.swift).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// Release `pharos` on Linux: the Swift runtime and Foundation linked in statically (only the pages
/// used are resident, no relocations of their shared libraries), packed relative relocations, no
/// exported symbol table (ld.so would search it for every shared-library symbol), and the
/// functions the Alertmanager role runs placed together (scripts/pharos.order; effective when built
/// with `-Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections`). See
/// docs/benchmarks.md "## Alertmanager" for what each saves.
let leanReleaseBinary: [LinkerSetting] = [
    .unsafeFlags(["-static-stdlib", "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                  "-Xlinker", "--no-export-dynamic",
                  "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/scripts/pharos.order",
                  "-Xlinker", "--no-warn-symbol-ordering",
                  "-l_FoundationICU", "-l_FoundationCollections", "-l_FoundationCShims", "-lCoreFoundation"],
                 .when(platforms: [.linux], configuration: .release)),
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
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // C libraries from Debian.
        .systemLibrary(name: "CXXHash", pkgConfig: "libxxhash", providers: [.apt(["libxxhash-dev"])]),
        .systemLibrary(name: "CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CAres", pkgConfig: "libcares", providers: [.apt(["libc-ares-dev"])]),
        .systemLibrary(name: "CCrypt", pkgConfig: "libcrypt", providers: [.apt(["libcrypt-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .target(name: "CCRC32C"),
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
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
                "CCRC32C",
                "CXXHash",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Config",
            dependencies: ["Model", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TSDB",
            dependencies: [
                "Model",
                "Exposition",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Stream",
            dependencies: [
                "Model",
                "Exposition",
                "Config",
                "CZstd",
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Cluster roles (issue 7): the distributor's stream sink and the ingester's partition consumers.
        .target(
            name: "Ingest",
            dependencies: ["Model", "Config", "Exposition", "Stream", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Cluster roles (issue 7): the querier's fan-out to ingesters over remote read.
        .target(
            name: "Query",
            dependencies: [
                "Model", "Config", "Exposition", "TSDB", "Stream", "HTTPClientTLS",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),  // remote_read (issue 6)
            ],
            swiftSettings: swiftSettings
        ),
        // Client TLS from `tls_config`, shared by scraping, discovery, remote write and alerting.
        .target(
            name: "HTTPClientTLS",
            dependencies: ["Config", .product(name: "NIOSSL", package: "swift-nio-ssl")],
            swiftSettings: swiftSettings
        ),
        .target(name: "PromQL", dependencies: ["Model", "TSDB"], swiftSettings: swiftSettings),
        .target(name: "Template", dependencies: ["Model"], swiftSettings: swiftSettings),
        .target(
            name: "Discovery",
            dependencies: [
                "Model",
                "Config",
                "HTTPClientTLS",
                "CAres",
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Scrape",
            dependencies: [
                "Model",
                "Config",
                "HTTPClientTLS",
                "Exposition",
                "Discovery",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Rules",
            dependencies: [
                "Model",
                "Config",
                "HTTPClientTLS",
                "TSDB",
                "PromQL",
                "Template",
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Alerting",
            dependencies: ["Model", "Config", "HTTPClientTLS", "Template", .product(name: "Yams", package: "Yams"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "Metrics", package: "swift-metrics")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Pushgateway",
            dependencies: [
                "Model",
                "Exposition",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Remote-write sender (issue 6): follows the TSDB's WAL, sends to remote_write receivers.
        .target(
            name: "RemoteWrite",
            dependencies: [
                "Model",
                "Config",
                "HTTPClientTLS",
                "Exposition",
                "TSDB",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Server",
            dependencies: [
                "Model",
                "RemoteWrite",
                "Pushgateway",
                "Config",
                "Exposition",
                "TSDB",
                "PromQL",
                "Discovery",
                "Scrape",
                "Rules",
                "Template",
                "Alerting",
                "Stream",  // cluster roles (issue 7)
                "Ingest",
                "Query",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                "CCrypt",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "pharos",
            dependencies: [
                "Server",
                "TSDB",
                "Model",
                "Exposition",
                "Config",
                "PromQL",
                "Rules",
                "Alerting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: leanReleaseBinary
        ),

        // Helpers shared by every test target (seeded generator, ...), as NIOTestUtils.
        .target(name: "PharosTestSupport", dependencies: ["Model", "TSDB"], path: "Tests/PharosTestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "ModelTests", dependencies: ["Model", "PharosTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ExpositionTests",
            dependencies: ["Exposition", "Model", "PharosTestSupport", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "Model", "PharosTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "DiscoveryTests",
            dependencies: ["Discovery", "Config", "Model", "PharosTestSupport",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdTLS", package: "hummingbird"),
                           .product(name: "HTTPTypes", package: "swift-http-types"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "PromQLTests", dependencies: ["PromQL", "Model", "TSDB", "PharosTestSupport"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(
            name: "RulesTests",
            dependencies: ["Rules", "Config", "Model", "TSDB", "PromQL", "Template", "PharosTestSupport",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client")],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        // Test helper: appends and commits to a TSDB directory until killed (TSDBTests' kill -9 test).
        .executableTarget(
            name: "pharos-tsdb-crash-helper",
            dependencies: ["TSDB", "Model"],
            path: "Tests/TSDBCrashHelper",
            swiftSettings: swiftSettings
        ),
        // Test helper: measures the peak memory of a block compaction (TSDBTests).
        .executableTarget(
            name: "pharos-tsdb-compaction-probe",
            dependencies: ["TSDB", "Model", "PharosTestSupport"],
            path: "Tests/TSDBCompactionProbe",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TSDBTests",
            dependencies: [
                "TSDB",
                "Model",
                "Exposition",
                "pharos-tsdb-crash-helper",
                "pharos-tsdb-compaction-probe",
                "PharosTestSupport",
                .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: ["Server", "pharos", "Config", "Exposition", "Model", "TSDB", "PromQL", "PharosTestSupport",
                           "Query",  // SelectHintsPrometheusTests: the cluster's IngesterQuerier
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RemoteWriteTests",
            dependencies: ["RemoteWrite", "TSDB", "Config", "Exposition", "Model", "PharosTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PushgatewayTests",
            dependencies: ["Pushgateway", "Server", "pharos", "Exposition", "Model", "PharosTestSupport",
                           .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                           .product(name: "CompressNIO", package: "compress-nio"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ScrapeTests",
            dependencies: ["Scrape", "Config", "Discovery", "Exposition", "Model", "TSDB", "PharosTestSupport",
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl"),
                           .product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: swiftSettings
        ),
        // Test helper: appends to a LocalLog until killed (StreamTests' kill -9 test).
        .executableTarget(
            name: "pharos-stream-crash-helper",
            dependencies: ["Stream", .product(name: "Logging", package: "swift-log")],
            path: "Tests/StreamCrashHelper",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StreamTests",
            dependencies: ["Stream", "Config", "Exposition", "Model", "pharos-stream-crash-helper", "PharosTestSupport",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "InMemoryLogging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Benchmark helper: hosts librdkafka's mock cluster for bench/cluster_lag.py.
        .executableTarget(
            name: "pharos-kafka-mock-helper",
            dependencies: ["Stream"],
            path: "Tests/KafkaMockHelper",
            swiftSettings: swiftSettings
        ),
        // Cluster roles (issue 7): pharos server processes on librdkafka's mock cluster.
        .testTarget(
            name: "ClusterTests",
            dependencies: ["Ingest", "Query", "Stream", "Config", "TSDB", "Exposition", "Model", "pharos", "PharosTestSupport",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "TemplateTests", dependencies: ["Template", "PharosTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AlertingTests",
            dependencies: ["Alerting", "Config", "Model", "PharosTestSupport", .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl")],
            swiftSettings: swiftSettings
        ),
    ],
    cxxLanguageStandard: .cxx17
)

// Benchmarks (ordo-one/benchmark) only on request, so plain builds never resolve the package:
// `PHAROS_BENCHMARKS=1 swift package benchmark` (see docs/benchmarks.md).
if ProcessInfo.processInfo.environment["PHAROS_BENCHMARKS"] == "1" {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]))
    package.targets.append(
        .executableTarget(
            name: "ExpositionBenchmarks",
            dependencies: ["Exposition", "Model", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/ExpositionBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ))
    package.targets.append(
        .executableTarget(
            name: "DiscoveryBenchmarks",
            dependencies: ["Discovery", "Config", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/DiscoveryBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ))
    package.targets.append(
        .executableTarget(
            name: "TSDBBenchmarks",
            dependencies: ["TSDB", "Model", "PharosTestSupport", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/TSDBBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ))
    package.targets.append(
        .executableTarget(
            name: "StreamBenchmarks",
            dependencies: ["Stream", "Exposition", "Model", .product(name: "Logging", package: "swift-log"),
                           .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/StreamBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ))
}
