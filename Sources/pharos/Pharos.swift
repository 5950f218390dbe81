import ArgumentParser
import Server

/// The `pharos` command: a metrics monitoring system compatible with Prometheus.
@main
struct Pharos: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pharos",
        abstract: "Metrics monitoring: scraping, storage, PromQL, rules and alerting in one binary.",
        version: BuildInfo.version,
        subcommands: [ServerCommand.self, Check.self, TestCommand.self, QueryCommand.self, TSDBCommand.self, PromQLCommand.self, AlertmanagerCommand.self]
    )
}
