import ArgumentParser

/// `pharos check`: validate files without running anything, like `promtool check`.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check configuration, rule and metrics files.",
        subcommands: [CheckConfig.self, CheckRules.self, CheckMetrics.self, CheckAlertmanagerConfig.self]
    )
}
