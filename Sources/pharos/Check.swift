import ArgumentParser

/// `pharos check …`: offline checks of files and expositions, as `promtool check …`.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the validity of configuration files, rule files and metric expositions.",
        subcommands: [CheckMetrics.self]
    )
}
