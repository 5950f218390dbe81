import Foundation

/// Finds upstream test data and this target's fixtures from the source file's location, so
/// tests work from the main clone, a worktree, and CI's clone with `../shared` beside it.
enum TestData {
    /// The package root: three levels above `Tests/ExpositionTests/Support/TestData.swift`.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `shared/` in the nearest ancestor of the package root that has one (`../shared` in CI).
    static let sharedDirectory: URL? = {
        var directory = packageRoot
        for _ in 0..<6 {
            let candidate = directory.appendingPathComponent("shared/conformance")
            if FileManager.default.fileExists(atPath: candidate.path) {
                return directory.appendingPathComponent("shared")
            }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }()

    /// The OpenMetrics parser suite: `shared/conformance/openmetrics/testdata/parsers`.
    static let openMetricsSuite: URL? = sharedDirectory?
        .appendingPathComponent("conformance/openmetrics/testdata/parsers")

    /// The names of the suite's case directories, sorted (empty if the suite is missing).
    static let openMetricsCases: [String] = {
        guard let suite = openMetricsSuite,
              let names = try? FileManager.default.contentsOfDirectory(atPath: suite.path)
        else { return [] }
        return names.filter { name in
            FileManager.default.fileExists(atPath: suite.appendingPathComponent(name).appendingPathComponent("test.json").path)
        }.sorted()
    }()

    /// One conformance case: its input bytes and verdict, read from `test.json`.
    struct OpenMetricsCase {
        var name: String
        var input: [UInt8]
        var shouldParse: Bool
        var type: String
    }

    private struct Manifest: Decodable {
        var type: String
        var file: String
        var shouldParse: Bool
    }

    static func openMetricsCase(_ name: String) throws -> OpenMetricsCase {
        guard let suite = openMetricsSuite else { throw CocoaError(.fileNoSuchFile) }
        let directory = suite.appendingPathComponent(name)
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: directory.appendingPathComponent("test.json")))
        let input = try Data(contentsOf: directory.appendingPathComponent(manifest.file))
        return OpenMetricsCase(name: name, input: Array(input), shouldParse: manifest.shouldParse, type: manifest.type)
    }

    /// A file under `Tests/ExpositionTests/Fixtures`.
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = packageRoot.appendingPathComponent("Tests/ExpositionTests/Fixtures").appendingPathComponent(name)
        return Array(try Data(contentsOf: url))
    }
}
