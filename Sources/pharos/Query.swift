import ArgumentParser
import Foundation
import Model
import NIOHTTP1
import Server

/// `pharos query`: queries a Prometheus-compatible server over its HTTP API, like
/// `promtool query` (same arguments, output and exit codes).
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run queries against a Prometheus-compatible server (like promtool query).",
        subcommands: [QueryInstant.self, QueryRange.self, QuerySeries.self, QueryLabels.self]
    )
}

/// The output format flag every `pharos query` subcommand takes (promtool's `-o, --format`).
struct QueryOutputOptions: ParsableArguments {
    @Option(name: [.customShort("o"), .customLong("format")], help: "Output format of the query: promql or json.")
    var format: QueryResultPrinter.Format = .promql
}

extension QueryResultPrinter.Format: ExpressibleByArgument {}

/// The server and expression of `pharos query instant` and `range`.
struct QueryExpressionArguments: ParsableArguments {
    @Argument(help: "Prometheus server to query.")
    var server: String

    @Argument(help: "PromQL query expression.")
    var expr: String
}

/// The selectors and time bounds of `pharos query series` and `labels`.
struct QuerySelectionOptions: ParsableArguments {
    @Option(help: "Series selector. Can be specified multiple times.")
    var match: [String] = []

    @Option(help: "Start time (RFC3339 or Unix timestamp; default 9999h ago).")
    var start: String?

    @Option(help: "End time (RFC3339 or Unix timestamp; default 9999h from now).")
    var end: String?

    /// `match[]`, `start` and `end` as form fields.
    func formFields() throws -> [(String, String)] {
        try match.map { ("match[]", $0) } + QueryAPIClient.timeBounds(start: start, end: end)
    }
}

/// `pharos query instant SERVER EXPR [--time=TIME]`.
struct QueryInstant: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instant",
        abstract: "Run instant query.",
        discussion: "Example: pharos query instant http://localhost:9090 'sum by (job) (up)'"
    )

    @OptionGroup var output: QueryOutputOptions

    @Option(help: "Query evaluation time (RFC3339 or Unix timestamp).")
    var time: String?

    @OptionGroup var target: QueryExpressionArguments

    func run() async throws {
        try await QueryCommandFailure.reported {
            let at = try time.map { try QueryAPIClient.parseTime($0, what: "evaluation time") } ?? QueryAPIClient.now()
            let result = try await QueryAPIClient.run(server: target.server, path: "query", form: [
                ("query", target.expr), ("time", QueryAPIClient.seconds(at)),
            ], decoding: QueryAPIClient.QueryResult.self)
            QueryResultPrinter(format: output.format).print(result)
        }
    }
}

/// `pharos query range SERVER EXPR [--start] [--end] [--step]`.
struct QueryRange: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "range",
        abstract: "Run range query.",
        discussion: "Example: pharos query range --start=2026-12-04T00:00:00Z --end=2026-12-04T01:00:00Z --step=1m http://localhost:9090 'rate(up[5m])'"
    )

    @OptionGroup var output: QueryOutputOptions

    @Option(help: "Query range start time (RFC3339 or Unix timestamp).")
    var start: String?

    @Option(help: "Query range end time (RFC3339 or Unix timestamp).")
    var end: String?

    @Option(help: "Query step size (duration, e.g. 15s).")
    var step: String?

    @OptionGroup var target: QueryExpressionArguments

    func run() async throws {
        try await QueryCommandFailure.reported {
            let endTime = try end.map { try QueryAPIClient.parseTime($0, what: "end time") } ?? QueryAPIClient.now()
            let startTime = try start.map { try QueryAPIClient.parseTime($0, what: "start time") } ?? endTime - 5 * 60_000
            guard startTime < endTime else { throw QueryCommandFailure("start time is not before end time") }
            var stepMilliseconds: Int64 = 0
            if let step {
                guard let parsed = GoDuration.milliseconds(step) else {
                    throw QueryCommandFailure("error parsing step: time: invalid duration \(step.quotedForPromQL)")
                }
                stepMilliseconds = parsed
            }
            if stepMilliseconds <= 0 {
                // promtool's default resolution: about 250 points, at least one second.
                stepMilliseconds = max((endTime - startTime) / 250_000, 1) * 1000
            }
            let result = try await QueryAPIClient.run(server: target.server, path: "query_range", form: [
                ("query", target.expr), ("start", QueryAPIClient.seconds(startTime)), ("end", QueryAPIClient.seconds(endTime)),
                ("step", QueryAPIClient.seconds(stepMilliseconds)),
            ], decoding: QueryAPIClient.QueryResult.self)
            QueryResultPrinter(format: output.format).print(result)
        }
    }
}

/// `pharos query series --match=SELECTOR... SERVER [--start] [--end]`.
struct QuerySeries: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "series",
        abstract: "Run series query.",
        discussion: "Example: pharos query series --match='up' http://localhost:9090"
    )

    @OptionGroup var output: QueryOutputOptions

    @OptionGroup var selection: QuerySelectionOptions

    @Argument(help: "Prometheus server to query.")
    var server: String

    func validate() throws {
        if selection.match.isEmpty { throw ValidationError("required flag --match not provided") }
    }

    func run() async throws {
        try await QueryCommandFailure.reported {
            let form = try selection.formFields()
            let series = try await QueryAPIClient.run(server: server, path: "series", form: form, decoding: [[String: String]].self)
            QueryResultPrinter(format: output.format).print(labelSets: series)
        }
    }
}

/// `pharos query labels SERVER NAME [--match] [--start] [--end]`: the values of a label.
struct QueryLabels: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labels",
        abstract: "Run labels query.",
        discussion: "Example: pharos query labels http://localhost:9090 job"
    )

    @OptionGroup var output: QueryOutputOptions

    @OptionGroup var selection: QuerySelectionOptions

    @Argument(help: "Prometheus server to query.")
    var server: String

    @Argument(help: "Label name to provide label values for.")
    var name: String

    func run() async throws {
        try await QueryCommandFailure.reported {
            let form = try selection.formFields()
            // The label values endpoint answers GET only.
            let values = try await QueryAPIClient.run(server: server, path: "label/\(QueryAPIClient.pathSegment(name))/values",
                                                      form: form, method: .GET, decoding: [String].self)
            QueryResultPrinter(format: output.format).print(labelValues: values)
        }
    }
}

/// A `pharos query` failure: printed to standard error as promtool prints it, exit code 1.
struct QueryCommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }

    /// Runs `body`; a `QueryCommandFailure` it throws goes to standard error as is (no
    /// `Error:` prefix) and the command exits with 1, as promtool's do.
    static func reported(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let failure as QueryCommandFailure {
            FileHandle.standardError.write(Data((failure.description + "\n").utf8))
            throw ExitCode.failure
        }
    }
}
