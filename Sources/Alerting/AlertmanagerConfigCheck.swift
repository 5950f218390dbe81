package import Config
internal import Foundation

/// What `amtool check-config` reports for one file, computed without printing so the command and
/// the tests share it.
package struct AlertmanagerConfigCheck: Sendable {
    /// The file as given.
    package let file: String
    /// The config, when it loaded.
    package let config: AlertmanagerConfig?
    /// Why the file was refused, in amtool's words.
    package let failure: String?
    /// Why the templates were refused, if they were.
    package let templateFailure: String?

    /// Loads and checks `file`.
    package init(file: String) {
        self.file = file
        do {
            let config = try AlertmanagerConfig.load(file: file)
            self.config = config
            failure = nil
            templateFailure = AlertmanagerConfigCheck.checkTemplates(config.templates)
        } catch {
            config = nil
            failure = AlertmanagerConfigCheck.amtoolMessage(error)
            templateFailure = nil
        }
    }

    /// Whether the file (and its templates) passed.
    package var succeeded: Bool { failure == nil && templateFailure == nil }

    /// The report as amtool prints it: `Checking 'F'  SUCCESS`, then what was found.
    package var report: String {
        var lines = ["Checking '\(file)'" + (failure.map { "  FAILED: \($0)" } ?? "  SUCCESS")]
        if let config {
            lines.append("Found:")
            // Alertmanager restores the default global section, so amtool always finds one.
            lines.append(" - global config")
            lines.append(" - route")
            lines.append(" - \(config.inhibitRules.count) inhibit rules")
            lines.append(" - \(config.receivers.count) receivers")
            lines.append(" - \(config.templates.count) templates")
            if !config.templates.isEmpty { lines.append(templateFailure.map { "  FAILED: \($0)" } ?? "  SUCCESS") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Alertmanager's wording: strict-decoding errors come as "yaml: unmarshal errors:" lists.
    package static func amtoolMessage(_ error: ConfigError) -> String {
        switch error {
        case .inFile(_, let inner): amtoolMessage(inner)
        case .unknownField, .typeMismatch: "yaml: unmarshal errors:\n  \(error)"
        default: error.description
        }
    }

    /// Template files must be readable and parse (as `template.FromGlobs` checks them).
    static func checkTemplates(_ globs: [String]) -> String? {
        for glob in globs {
            for path in Glob.expand(glob) where !FileManager.default.isReadableFile(atPath: path) {
                return "open \(path): permission denied"
            }
        }
        do {
            _ = try NotificationTemplates.load(globs: globs)
        } catch {
            if case .template(_, let reason) = error { return reason }
            return error.description
        }
        return nil
    }
}
