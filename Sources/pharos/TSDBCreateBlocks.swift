import ArgumentParser
import Exposition
import Foundation
import Model
import TSDB

/// `pharos tsdb create-blocks-from openmetrics INPUT [OUTPUT_DIR]`: backfills an OpenMetrics
/// file (every sample with a timestamp, `# EOF` at the end) into blocks, as promtool's
/// command of the same name.
struct TSDBCreateBlocks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-blocks-from",
        abstract: "Create blocks of data from an OpenMetrics file (like promtool tsdb create-blocks-from openmetrics).",
        discussion: "Example: pharos tsdb create-blocks-from openmetrics metrics.om data/"
    )

    @Argument(help: "The input format; only 'openmetrics' is supported.")
    var format: String

    @Argument(help: "The OpenMetrics file to read.")
    var input: String

    @Argument(help: "The directory the blocks are written to.")
    var outputDirectory = "data/"

    @Option(name: .customLong("max-block-duration"), help: "The duration of each block (default 2h).")
    var maxBlockDuration = "2h"

    @Flag(name: .customLong("quiet"), help: "Do not print the created blocks.")
    var quiet = false

    func run() throws {
        guard format == "openmetrics" else {
            throw ValidationError("unsupported input format \"\(format)\": only openmetrics is supported")
        }
        let duration: Int64
        do { duration = try PrometheusDuration.parse(maxBlockDuration).wholeMilliseconds } catch {
            throw ValidationError("invalid value for --max-block-duration: \"\(maxBlockDuration)\"")
        }
        guard duration >= 2 * 60 * 60 * 1000 else {
            throw ValidationError("--max-block-duration must be at least 2h, got \(maxBlockDuration)")
        }
        guard let data = FileManager.default.contents(atPath: input) else {
            throw ValidationError("cannot read \(input)")
        }
        let series = try Self.read(Array(data))
        guard !series.isEmpty else { throw ValidationError("no samples in \(input)") }
        try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        let metas = try Backfill.createBlocks(series, into: outputDirectory, blockDuration: duration)
        guard !quiet else { return }
        print("BLOCK ULID\tMIN TIME\tMAX TIME\tDURATION\tNUM SAMPLES\tNUM CHUNKS\tNUM SERIES")
        for meta in metas {
            print("\(meta.ulid)\t\(meta.minTime)\t\(meta.maxTime)\t\(Duration.milliseconds(meta.maxTime - meta.minTime).prometheusString)\t\(meta.numSamples)\t\(meta.numChunks)\t\(meta.numSeries)")
        }
    }

    /// The samples of an OpenMetrics body, by series.
    static func read(_ body: [UInt8]) throws -> [Labels: [(timestamp: Int64, value: Double)]] {
        var parser = OpenMetricsParser(body, validatesFamilies: false)  // promtool's parser is as lenient
        var builder = LabelsBuilder()
        var series: [Labels: [(timestamp: Int64, value: Double)]] = [:]
        do {
            while let entry = try parser.next() {
                guard entry == .series else { continue }
                builder.reset()
                parser.labels(into: &builder)
                let labels = builder.labels()
                guard let t = parser.timestampMs else {
                    throw ValidationError("expected timestamp for series \(labels), got none")
                }
                series[labels, default: []].append((t, parser.value))
            }
        } catch let error as ExpositionError {
            throw ValidationError("parse: \(error)")
        }
        return series
    }
}
