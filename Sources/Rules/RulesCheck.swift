internal import Foundation
package import Model
package import PromQL

/// What `pharos check rules` (and `check config` for the files a config names) verifies, as
/// `promtool check rules` does (`cmd/promtool/main.go`'s `checkRules`).
package enum RulesCheck {
    /// Which lint checks run, as promtool's `--lint` (`all`, `duplicate-rules`, `none`).
    package struct LintOptions: Sendable, Equatable {
        /// Report rules with the same name and labels.
        package var duplicateRules = true
        /// Accept keys the rule-file schema does not have (`--ignore-unknown-fields`). Not a lint
        /// check, but travels with the lint settings as in promtool's `rulesLintConfig`.
        package var ignoreUnknownFields = false

        /// The default, `--lint=duplicate-rules`.
        package init(duplicateRules: Bool = true, ignoreUnknownFields: Bool = false) {
            self.duplicateRules = duplicateRules
            self.ignoreUnknownFields = ignoreUnknownFields
        }

        /// Options from promtool's comma-separated `--lint` value; unknown settings are refused.
        /// - Throws: the message promtool prints for an unknown setting.
        package init(parsing text: String, ignoreUnknownFields: Bool = false) throws(RulesError) {
            duplicateRules = false
            self.ignoreUnknownFields = ignoreUnknownFields
            for setting in text.split(separator: ",", omittingEmptySubsequences: false) {
                switch setting {
                case "all", "duplicate-rules": duplicateRules = true
                case "none": break
                default:
                    throw .unknownLintOption(String(setting))
                }
            }
        }
    }

    /// The outcome of checking one rule file.
    package struct Report: Sendable, Equatable {
        /// The parsed file, `nil` when it could not be decoded.
        package var file: RuleFile?
        /// Why the file is invalid; empty when it is valid.
        package var errors: [RulesError] = []
        /// Lint findings, already worded as promtool words them.
        package var lintFindings: [String] = []

        /// Whether the file has no errors (lint findings do not make it invalid).
        package var isValid: Bool { errors.isEmpty }
        /// How many rules the file holds.
        package var ruleCount: Int { file?.ruleCount ?? 0 }
    }

    /// Reads, decodes and validates the rule file at `path`.
    /// - Parameters:
    ///   - scheme: which metric and label names are valid (Prometheus 3: UTF-8).
    ///   - parserOptions: the PromQL features enabled.
    ///   - lint: which lint checks to run on a valid file.
    package static func check(
        file path: String, scheme: NameValidationScheme = .utf8, parserOptions: ParserOptions = ParserOptions(),
        lint: LintOptions = LintOptions()
    ) -> Report {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            return Report(errors: [.unreadable(path: path, reason: readFailureReason(path))])
        }
        var report = check(yaml: text, scheme: scheme, parserOptions: parserOptions, lint: lint)
        report.errors = report.errors.map { .inFile(path: path, $0) }
        return report
    }

    /// Decodes and validates rule-file text (see `check(file:)`).
    package static func check(
        yaml text: String, scheme: NameValidationScheme = .utf8, parserOptions: ParserOptions = ParserOptions(),
        lint: LintOptions = LintOptions()
    ) -> Report {
        var report = Report()
        do {
            report.file = try RuleFile.decode(yaml: text, ignoreUnknownFields: lint.ignoreUnknownFields)
        } catch {
            report.errors = [error]
            return report
        }
        report.errors = report.file?.validate(scheme: scheme, parserOptions: parserOptions) ?? []
        if report.errors.isEmpty, lint.duplicateRules, let file = report.file {
            let duplicates = RuleLint.duplicateRules(in: file)
            if !duplicates.isEmpty { report.lintFindings.append(RuleLint.describe(duplicates)) }
        }
        return report
    }

    /// Go's wording for a file that cannot be read.
    static func readFailureReason(_ path: String) -> String {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            return "open \(path): no such file or directory"
        }
        if isDirectory.boolValue { return "read \(path): is a directory" }
        if !FileManager.default.isReadableFile(atPath: path) { return "open \(path): permission denied" }
        return "invalid UTF-8"
    }
}
