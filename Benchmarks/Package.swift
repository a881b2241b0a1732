// swift-tools-version: 6.0
// Benchmarks live in their own package so that the SDK's build and test stay lean. Build them in release mode:
//   swift run -c release --package-path Benchmarks <Benchmark> [options]
import PackageDescription

let package = Package(
    name: "WhatsAppArchiverBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "WhatsAppArchiver", path: "..")],
    targets: [
        .executableTarget(
            name: "EMLBenchmark",
            dependencies: [
                .product(name: "WhatsAppArchiver", package: "WhatsAppArchiver"),
                .product(name: "WhatsAppArchiverTesting", package: "WhatsAppArchiver"),
            ]
        ),
        .executableTarget(
            name: "MaildirBenchmark",
            dependencies: [
                .product(name: "WhatsAppArchiver", package: "WhatsAppArchiver"),
                .product(name: "WhatsAppArchiverTesting", package: "WhatsAppArchiver"),
            ]
        ),
        .executableTarget(
            name: "ConnectorProfile",
            dependencies: [
                .product(name: "WhatsAppArchiver", package: "WhatsAppArchiver"),
                .product(name: "TeleMessage", package: "WhatsAppArchiver"),
            ]
        ),
        .executableTarget(
            name: "FolderScaleBenchmark",
            dependencies: [
                .product(name: "WhatsAppArchiver", package: "WhatsAppArchiver"),
                .product(name: "WhatsAppArchiverTesting", package: "WhatsAppArchiver"),
            ]
        ),
        .executableTarget(
            name: "ChatExportBenchmark",
            dependencies: [
                .product(name: "WhatsAppArchiver", package: "WhatsAppArchiver"),
                .product(name: "ChatExport", package: "WhatsAppArchiver"),
            ]
        ),
        .executableTarget(
            name: "MappingBenchmark",
            dependencies: [
                .product(name: "WhatsAppArchiver", package: "WhatsAppArchiver"),
                .product(name: "WhatsAppArchiverTesting", package: "WhatsAppArchiver"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
