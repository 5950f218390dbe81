import ArgumentParser

/// The `pharos` command: a metrics monitoring system compatible with Prometheus.
@main
struct Pharos: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pharos",
        abstract: "Metrics monitoring: scraping, storage, PromQL, rules and alerting in one binary.",
        version: PharosVersion.current,
        subcommands: [Check.self, PromQLCommand.self, AlertmanagerCommand.self]
    )
}
