// swift-tools-version: 6.1
// keywatch, licensed under the Apache License, Version 2.0 (see LICENSE).
import PackageDescription

let package = Package(
    name: "keywatch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "keywatch", targets: ["keywatch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        // Already in the graph through Hummingbird: named for the push receiver's connection
        // handler (NIOCore's ChannelHandler, NIOHTTPTypes' request and response parts).
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.27.0"),
        // The PostgreSQL store's client: the wire protocol, COPY FROM STDIN, TLS.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.21.0"),
    ],
    targets: [
        // Thin system-library targets over the C libraries keywatch is built on.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // Whole-buffer gzip inflation, twice zlib's speed (its CRC-32 uses carry-less multiplication).
        .systemLibrary(name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        // Sixteen-byte comparisons for the JSON scanner (a header of SSE2 intrinsics Swift lacks).
        .systemLibrary(name: "CByteScan"),
        // Typed wrappers over libcurl's variadic curl_easy_setopt / curl_easy_getinfo: the one
        // HTTP and SMTP client, for webhooks and e-mail.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // librdkafka, the Kafka client: Event Hubs through its Kafka endpoint (and the tests' producer).
        .systemLibrary(name: "CKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        // The commit keywatch was built from, for `--version`: "unknown" unless `make build` links in
        // an object defining it (see BuildInfo.c), so that a new commit costs a link, not a compile.
        .target(name: "CBuildInfo"),

        // The event model, decoding of every input shape, normalization, the rule language and detection.
        // Pure: no files, sockets, clocks or database.
        .target(
            name: "KeywatchCore",
            dependencies: [
                "CByteScan",
                .product(name: "Crypto", package: "swift-crypto"),
                // Its libyaml (module CYaml) too: aliases are measured from the parser's events
                // before Yams builds the tree (YAMLExpansion).
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The SQLite store: schema, migrations, batched writes, dedup, raw blocks (zstd), read-only queries.
        .target(name: "KeywatchStore", dependencies: ["KeywatchCore", "CSQLite", "CZstd"]),
        // The PostgreSQL store: schema migrations, day partitions, batched writes with COPY and exact dedup.
        .target(
            name: "KeywatchPostgres",
            dependencies: [
                "KeywatchCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Sources: files and directories, gzip streams, the ingest pipeline.
        // Sources: files and directories (one-shot and tailed), gzip streams, the HTTP push receiver,
        // the writer that owns the store while they run.
        .target(
            name: "KeywatchIngest",
            dependencies: [
                "KeywatchCore", "KeywatchStore", "KeywatchCurl", "CKafka", "CZlib", "CDeflate",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // libcurl as keywatch uses it: one request at a time with timeouts, TLS verified, no
        // redirects, SigV4 when asked — for the alert sinks and the cloud inputs alike.
        .target(name: "KeywatchCurl", dependencies: ["CCurl"]),
        // Alert delivery: the webhook and e-mail sinks (libcurl) and the outbox workers.
        .target(
            name: "KeywatchAlerting",
            dependencies: [
                "KeywatchCore", "KeywatchStore", "KeywatchCurl", "CCurl",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The command-line interface.
        .executableTarget(
            name: "keywatch",
            dependencies: [
                "KeywatchCore", "KeywatchStore", "KeywatchIngest", "KeywatchAlerting", "CBuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Temporary directories, the repository's path, ports, and a webhook receiver, for the test targets.
        .target(
            name: "KeywatchTestSupport",
            dependencies: ["CKafka"],
            path: "Tests/TestSupport"),
        .testTarget(name: "KeywatchCoreTests", dependencies: ["KeywatchCore", "KeywatchTestSupport"]),
        .testTarget(name: "KeywatchStoreTests", dependencies: ["KeywatchStore", "KeywatchCore", "KeywatchTestSupport"]),
        .testTarget(
            name: "KeywatchIngestTests",
            dependencies: ["KeywatchIngest", "KeywatchStore", "KeywatchCore", "CZlib", "KeywatchTestSupport"]),
        .testTarget(
            name: "KeywatchAlertingTests",
            dependencies: [
                "KeywatchAlerting", "KeywatchStore", "KeywatchCore", "KeywatchTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .testTarget(
            name: "KeywatchPostgresTests",
            dependencies: [
                "KeywatchPostgres", "KeywatchCore", "KeywatchTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "KeywatchCLITests", dependencies: ["keywatch", "KeywatchIngest", "KeywatchStore", "KeywatchCore", "KeywatchTestSupport"]),

        // Measures the PostgreSQL store's writer on the bench corpus (bench/README.md); not in the product.
        .executableTarget(
            name: "PostgresIngestBench",
            dependencies: [
                "KeywatchPostgres", "KeywatchIngest", "KeywatchCore", "KeywatchTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "bench/PostgresIngest"),

        // What each fuzz target does with one input (Fuzz/README.md): shared by the libFuzzer
        // executables below and by the regression tests, which replay every crash found.
        .target(name: "KeywatchFuzzing", dependencies: ["KeywatchCore", "KeywatchIngest", "CZlib"], path: "Fuzz/Entries"),
        .testTarget(name: "KeywatchFuzzRegressionTests", dependencies: ["KeywatchFuzzing", "KeywatchTestSupport"]),
    ]
)

// The libFuzzer executables, only when KEYWATCH_FUZZ=1 (`make fuzz`): they call libFuzzer's
// driver, which only a build with `-sanitize=fuzzer` links, so a normal build must not see them.
if Context.environment["KEYWATCH_FUZZ"] == "1" {
    package.targets.append(.target(name: "KeywatchFuzzDriver", dependencies: ["KeywatchFuzzing"], path: "Fuzz/Driver"))
    for name in ["InputDecoding", "RuleFile", "Configuration", "PushBody"] {
        package.targets.append(.executableTarget(
            name: "\(name)Fuzzer", dependencies: ["KeywatchFuzzing", "KeywatchFuzzDriver"], path: "Fuzz/Targets/\(name)Fuzzer"))
    }
}
