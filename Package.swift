// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "WhatsAppArchiver",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "WhatsAppArchiver", targets: ["WhatsAppArchiver"]),
        .library(name: "TeleMessage", targets: ["TeleMessage"]),
        .library(name: "ChatExport", targets: ["ChatExport"]),
        .library(name: "Microsoft365", targets: ["Microsoft365"]),
        .library(name: "WhatsAppArchiverTesting", targets: ["WhatsAppArchiverTesting"]),
        .library(name: "ArchiveEvidence", targets: ["ArchiveEvidence"]),
        .executable(name: "MockSource", targets: ["MockSource"]),
        .executable(name: "CustomSink", targets: ["CustomSink"]),
        .executable(name: "archive-daily", targets: ["ArchiveDaily"]),
        .executable(name: "archive-verify", targets: ["ArchiveVerify"]),
        .executable(name: "archive-export", targets: ["ArchiveExport"]),
    ],
    targets: [
        // The core: model, roles, Connector, and the built-in converter, mapper and sink. No networking.
        .target(name: "WhatsAppArchiver", dependencies: ["CSHA256"]),
        // The SHA-256 block function on the x86 SHA extensions, used by the core's SHA256 only when the CPU has them.
        // Plain C with the compiler's intrinsic headers; no flags, no libraries; not a product.
        .target(name: "CSHA256"),
        // zlib (inflate, deflate, crc32) from the system: Debian's zlib1g-dev, the macOS SDK. For ZIP archives.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // The TeleMessage source: the only module allowed to link FoundationNetworking.
        .target(name: "TeleMessage", dependencies: ["WhatsAppArchiver"]),
        // The WhatsApp chat-export source ("Export chat": a .txt, a folder or a .zip). No networking; ZIP over zlib.
        .target(name: "ChatExport", dependencies: ["WhatsAppArchiver", "CZlib"]),
        // The evidence-grade archive: the tamper-evident log of every stored message (RFC 9162 Merkle tree), its
        // verifier, and productions for review platforms (RSMF 2.0). zlib for the RSMF zip's deflate and crc32.
        .target(name: "ArchiveEvidence", dependencies: ["WhatsAppArchiver", "CZlib"]),
        // The Exchange Online destination over Microsoft Graph; with TeleMessage, the only modules that network.
        .target(name: "Microsoft365", dependencies: ["WhatsAppArchiver"]),
        // Test doubles shipped to users; imports neither XCTest nor Testing.
        .target(name: "WhatsAppArchiverTesting", dependencies: ["WhatsAppArchiver"]),
        .executableTarget(
            name: "MockSource",
            dependencies: ["WhatsAppArchiver", "WhatsAppArchiverTesting"],
            path: "Examples/MockSource"
        ),
        .executableTarget(
            name: "CustomSink",
            dependencies: ["WhatsAppArchiver", "WhatsAppArchiverTesting"],
            path: "Examples/CustomSink"
        ),
        .executableTarget(
            name: "ArchiveDaily",
            dependencies: ["WhatsAppArchiver", "TeleMessage", "ChatExport", "ArchiveEvidence", "Microsoft365"],
            path: "Examples/ArchiveDaily"
        ),
        .executableTarget(
            name: "ArchiveVerify",
            dependencies: ["WhatsAppArchiver", "ArchiveEvidence"],
            path: "Examples/ArchiveVerify"
        ),
        .executableTarget(
            name: "ArchiveExport",
            dependencies: ["WhatsAppArchiver", "ArchiveEvidence"],
            path: "Examples/ArchiveExport"
        ),
        .testTarget(
            name: "WhatsAppArchiverTests",
            dependencies: [
                "WhatsAppArchiver", "WhatsAppArchiverTesting", "MockSource", "CustomSink", "ArchiveEvidence",
            ]
        ),
        .testTarget(
            name: "ArchiveEvidenceTests",
            dependencies: [
                "ArchiveEvidence", "WhatsAppArchiver", "WhatsAppArchiverTesting", "TeleMessage", "ArchiveDaily",
                "ArchiveVerify", "ArchiveExport",
            ]
        ),
        .testTarget(
            name: "TeleMessageTests",
            dependencies: ["TeleMessage", "WhatsAppArchiver", "WhatsAppArchiverTesting", "ArchiveDaily"]
        ),
        .testTarget(
            name: "ChatExportTests",
            dependencies: ["ChatExport", "WhatsAppArchiver", "WhatsAppArchiverTesting", "ArchiveDaily", "CZlib"]
        ),
        .testTarget(
            name: "Microsoft365Tests",
            dependencies: ["Microsoft365", "WhatsAppArchiver", "WhatsAppArchiverTesting", "ArchiveDaily"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
