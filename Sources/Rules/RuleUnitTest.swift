import Foundation
import Config
package import Model
import PromQL
import TSDB

/// Runs rule unit-test files as `promtool test rules` does (`cmd/promtool/unittest.go`): for each
/// test group, the input series go into an in-memory TSDB head step by step while the rule groups
/// are evaluated from time 0 to the last `eval_time` at `evaluation_interval`, with the real
/// `RuleGroupState` and engine; firing alerts are compared at their `eval_time`s and expressions
/// are queried at the end. Failures are worded as promtool words them.
package enum RuleUnitTest {
    /// The outcome of one test file.
    package struct Report: Sendable, Equatable {
        /// `  WARNING: …` lines (rule-file patterns that match nothing), for standard error.
        package var warnings: [String] = []
        /// Each failure, as promtool prints it; empty when the file passed.
        package var failures: [String] = []

        /// Whether every test of the file passed.
        package var passed: Bool { failures.isEmpty }
    }

    /// The engine settings of promtool's lazy loader: at most 10,000 samples per query, a 100 s
    /// timeout, subqueries without a step at the evaluation interval.
    static func engine(evaluationInterval: Duration) -> Engine {
        var options = Engine.Options()
        options.maxSamples = 10_000
        options.timeout = .seconds(100)
        options.defaultSubqueryStep = evaluationInterval.wholeMilliseconds
        return Engine(options: options)
    }

    /// Reads and runs the test file at `path`; rule files are relative to its directory.
    package static func run(file path: String) -> Report {
        var report = Report()
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            report.failures = [RulesCheck.readFailureReason(path)]
            return report
        }
        let file: RuleTestFile
        do {
            file = try RuleTestFile.decode(yaml: text)
        } catch {
            report.failures = [error.description]
            return report
        }
        let directory = (path as NSString).deletingLastPathComponent
        var ruleFiles: [String] = []
        for pattern in file.ruleFiles {
            let resolved = pattern.isEmpty || pattern.hasPrefix("/") ? pattern : Self.joinPath(directory, pattern)
            let matches = Glob.expand(resolved)
            if matches.isEmpty { report.warnings.append("  WARNING: no file match pattern \(resolved)") }
            ruleFiles += matches
        }
        let evaluationInterval = file.evaluationInterval == .zero ? Duration.seconds(60) : file.evaluationInterval
        var groupOrder: [String: Int] = [:]
        for (index, name) in file.groupEvalOrder.enumerated() {
            guard groupOrder[name] == nil else {
                report.failures = ["group name repeated in evaluation order: \(name)"]
                return report
            }
            groupOrder[name] = index
        }
        for group in file.tests {
            var run = RuleTestGroupRun(group: group, evaluationInterval: evaluationInterval)
            report.failures += run.run(ruleFiles: ruleFiles, groupOrder: groupOrder)
        }
        return report
    }

    /// Go's `filepath.Join`: the parts joined with `/` and the result cleaned.
    static func joinPath(_ directory: String, _ path: String) -> String {
        let joined = directory.isEmpty ? path : directory + "/" + path
        var parts: [Substring] = []
        for part in joined.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
                continue
            }
            if part == "..", joined.hasPrefix("/") { continue }
            parts.append(part)
        }
        let cleaned = parts.joined(separator: "/")
        if joined.hasPrefix("/") { return "/" + cleaned }
        return cleaned.isEmpty ? "." : cleaned
    }
}
