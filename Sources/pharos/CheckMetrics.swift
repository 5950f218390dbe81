import ArgumentParser
import Exposition
import Foundation

/// `pharos check metrics`: reads an exposition on standard input and reports whether it
/// parses, as `promtool check metrics`: exit 0 if it does, exit 1 with `line:column: message`
/// on standard error if it does not.
struct CheckMetrics: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Check a metrics exposition read from standard input.",
        discussion: "Example: curl -s http://localhost:9100/metrics | pharos check metrics"
    )

    /// The text formats this command reads.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case openmetrics
    }

    @Option(help: "The exposition format: text (0.0.4) or openmetrics (1.0).")
    var format: Format = .text

    func run() throws {
        let input = Array(FileHandle.standardInput.readDataToEndOfFile())
        do {
            switch format {
            case .text:
                var parser = PrometheusTextParser(input, isStrict: true)
                try Self.drain(&parser)
            case .openmetrics:
                var parser = OpenMetricsParser(input)
                try Self.drain(&parser)
            }
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Reads every entry, so every rule the parser checks is applied.
    private static func drain(_ parser: inout some MetricsParser) throws(ExpositionError) {
        while try parser.next() != nil {}
    }
}
