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

    /// Parses the command line as Prometheus's flag parser reads it, then runs the command.
    static func main() async {
        do {
            var command = try parseAsRoot(emptyValuesSeparated(Array(CommandLine.arguments.dropFirst())))
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    /// Prometheus's flag parser reads `--flag=` as an empty value (`--web.external-url=` in many
    /// service files); the argument parser wants a value after `=`. `--flag=` becomes
    /// `--flag ""`; everything after a lone `--` is left alone.
    static func emptyValuesSeparated(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var passthrough = false
        for argument in arguments {
            if passthrough || argument == "--" {
                passthrough = true
                result.append(argument)
            } else if argument.hasPrefix("--"), argument.count > 3, argument.firstIndex(of: "=") == argument.index(before: argument.endIndex) {
                result += [String(argument.dropLast()), ""]
            } else {
                result.append(argument)
            }
        }
        return result
    }
}
