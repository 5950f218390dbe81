import Foundation
import Testing
@testable import PromQL

/// Upstream's promqltest scripts run through `PromQLTestRunner` against the engine over a real
/// TSDB head. `Fixtures/expected-failures.txt` lists the evals known to fail (`file:line reason`);
/// the test fails on any other failure and on any listed eval that now passes, so the list
/// can only shrink.
@Suite struct PromQLConformanceTests {
    static let directory = URL(fileURLWithPath: "/work/shared/conformance/promql/testdata")

    static var files: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".test") }.sorted()
    }

    /// `file -> line -> reason`.
    static let expectedFailures: [String: [Int: String]] = {
        let url = Fixtures.directory.appendingPathComponent("expected-failures.txt")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [:] }
        var result: [String: [Int: String]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let file = String(line[..<colon])
            let rest = line[line.index(after: colon)...]
            let number = rest.prefix { $0.isNumber }
            guard let lineNumber = Int(number) else { continue }
            result[file, default: [:]][lineNumber] = String(rest.dropFirst(number.count)).trimmingCharacters(in: .whitespaces)
        }
        return result
    }()

    @Test func findsTheScripts() {
        #expect(Self.files.count == 21)
    }

    @Test(arguments: files)
    func script(_ name: String) throws {
        let text = try String(contentsOf: Self.directory.appendingPathComponent(name), encoding: .utf8)
        let report = PromQLTestRunner().run(text)
        #expect(report.fileError == nil, "\(name): \(report.fileError ?? "")")
        let expected = Self.expectedFailures[name] ?? [:]
        for (line, outcome) in report.evals {
            switch outcome {
            case .passed:
                #expect(expected[line] == nil, "\(name):\(line) passes now: remove it from expected-failures.txt")
            case .failed(let message):
                #expect(expected[line] != nil, "\(name):\(line) fails: \(message)")
            }
        }
        print("\(name): \(report.passed) passed, \(report.failed) failed (\(expected.count) expected)")
    }
}
