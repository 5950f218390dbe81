import Foundation
import Testing
@testable import PromQL

/// Differential test against a real Prometheus parser: `promtool check rules` (Debian's
/// Prometheus 2.42) parses the same expressions, and we must accept and refuse the same ones
/// with the same first error, except where Prometheus changed the language since 2.42.
@Suite(.enabled(if: Promtool.path != nil, "needs promtool (Debian package prometheus)"))
struct PromtoolDifferentialTests {
    static var promtool: String? { Promtool.path }

    /// Syntax that 2.42 does not know: UTF-8 names, experimental modifiers, operators and
    /// functions added in 3.x.
    static let newerSyntax = [
        "anchored", "smoothed", "fill", "limitk", "limit_ratio", "step(", "range(", "min_of", "max_of", "{\"",
        "info(", "sort_by_label", "mad_over_time", "ts_of_", "double_exponential", "start_timestamp",
        "histogram_quantiles", "histogram_avg", "histogram_std", "</", ">/", "\\x", "offset (", "__type__",
        "__unit__", "first_over_time", "start(", "end(",
    ]

    /// Messages whose wording or cause changed between 2.42 and 3.14 (durations as numbers and
    /// duration arithmetic, the 3.x lexer's duration and number errors, the RE2 error text).
    static let changedMessages = [
        "missing unit character", "unexpected duration", "expected duration", "bad duration syntax",
        "not a valid duration string", "unknown unit", "<Item", "trailing commas", "unexpected colon",
        "bad number or duration syntax", "error parsing regexp", "error parsing number",
        "unknown function with name", "in duration expression", ", expected ':'", "is not enabled",
        "subquery or range", "unexpected string",
    ]

    static func isNewerSyntax(_ expression: String) -> Bool {
        if newerSyntax.contains(where: { expression.contains($0) }) { return true }
        // Arithmetic inside `[...]` is a 3.x duration expression.
        var inBrackets = false
        for character in expression {
            if character == "[" { inBrackets = true } else if character == "]" { inBrackets = false }
            if inBrackets, "+-*/%^(".contains(character) { return true }
        }
        return false
    }

    static func corpus() -> [String] {
        let base = ConformanceExpressions.all.map(\.expression).filter { !isNewerSyntax($0) }
        var state: UInt64 = 42
        func random(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407   // LCG, wraps by design
            return Int((state >> 33) % UInt64(max(bound, 1)))
        }
        let alphabet = Array("(){}[],:=!~<>^*/%+-@\"'`#\\ 0123456789.eExmsbyoffsetsum_")
        var out = base
        for _ in 0..<4000 {
            var characters = Array(base[random(base.count)])
            for _ in 0...random(3) {
                let position = random(characters.count + 1)
                switch random(3) {
                case 0: characters.insert(alphabet[random(alphabet.count)], at: position)
                case 1: if position < characters.count { characters.remove(at: position) }
                default: if position < characters.count { characters[position] = alphabet[random(alphabet.count)] }
                }
            }
            let mutated = String(characters)
            if !mutated.contains("\n"), !mutated.trimmingCharacters(in: .whitespaces).isEmpty, !isNewerSyntax(mutated) {
                out.append(mutated)
            }
        }
        return out
    }

    /// Runs promtool over one rule file holding every expression; returns its first error per rule.
    static func promtoolErrors(_ expressions: [String], promtool: String) throws -> [Int: String] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-promql-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var yaml = "groups:\n- name: g\n  rules:\n"
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes   // Go's YAML refuses `\/`
        for (index, expression) in expressions.enumerated() {
            let quoted = String(decoding: try encoder.encode(expression), as: UTF8.self)
            yaml += "  - record: r\(index)\n    expr: \(quoted)\n"
        }
        let file = directory.appendingPathComponent("rules.yml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool)
        process.arguments = ["check", "rules", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var errors: [Int: String] = [:]
        for line in output.split(separator: "\n") {
            guard let match = line.firstMatch(of: #/rule (\d+), "r\d+": could not parse expression: (.*)$/#),
                  let rule = Int(match.1) else { continue }
            errors[rule - 1] = String(match.2)
        }
        return errors
    }

    @Test func agreesWithPromtool() throws {
        guard let promtool = Self.promtool else { return }
        let expressions = Self.corpus()
        let theirs = try Self.promtoolErrors(expressions, promtool: promtool)
        try #require(!theirs.isEmpty, "promtool reported no parse errors: its output was not understood")
        var options = ParserOptions.all
        options.experimentalFunctions = false
        var compared = 0
        for (index, expression) in expressions.enumerated() {
            let ours: String?
            do {
                _ = try PromQLParser.parse(expression, options: options)
                ours = nil
            } catch {
                ours = error.description
            }
            let changed = [ours, theirs[index]].contains { message in
                guard let message else { return false }
                return Self.changedMessages.contains { message.contains($0) }
            }
            if changed { continue }
            compared += 1
            #expect(ours == theirs[index], "\(expression)")
        }
        #expect(compared > expressions.count * 3 / 4)
    }
}

/// Where promtool is installed, if it is.
enum Promtool {
    static let path: String? = ["/usr/bin/promtool", "/usr/local/bin/promtool"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}
