import ArgumentParser
import Exposition
import Foundation
import Model
import PromQL
import TSDB

/// `pharos tsdb dump DIR`: every sample of a data directory (blocks and WAL, read-only), one
/// `{labels} value timestamp` line each, as `promtool tsdb dump`.
struct TSDBDump: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Dump samples from a TSDB data directory (like promtool tsdb dump).",
        discussion: "Example: pharos tsdb dump data/ --match='{job=\"node\"}'"
    )

    @Argument(help: "The data directory.")
    var directory = "data/"

    @Option(name: .customLong("min-time"), help: "Minimum timestamp to dump, in milliseconds.")
    var minTime = Int64.min

    @Option(name: .customLong("max-time"), help: "Maximum timestamp to dump, in milliseconds.")
    var maxTime = Int64.max

    @Option(name: .customLong("match"), help: "Series selector (default: every series).")
    var match = "{__name__=~\"(?s:.*)\"}"

    func run() throws {
        let matchers: [Matcher]
        do { matchers = try PromQLParser.parseMetricSelector(match) } catch {
            throw ValidationError("invalid --match: \(error)")
        }
        let reader = try DataDirectoryReader(directory: directory)
        for skipped in reader.skippedBlocks {
            FileHandle.standardError.write(Data("skipping block \(skipped.directory): \(skipped.error)\n".utf8))
        }
        var iterator = SeriesIterator()
        var line: [UInt8] = []
        for series in try reader.select(matchers, mint: minTime, maxt: maxTime) {
            let prefix = Self.labelsText(series.labels)
            iterator.reset(series)
            while iterator.next() {
                line.removeAll(keepingCapacity: true)
                line.append(contentsOf: prefix.utf8)
                line.append(UInt8(ascii: " "))
                FloatFormatting.append(iterator.value, to: &line)
                line.append(UInt8(ascii: " "))
                line.append(contentsOf: String(iterator.timestamp).utf8)
                print(String(decoding: line, as: UTF8.self))
            }
            if let error = iterator.error { throw ValidationError("reading \(series.labels): \(error)") }
        }
    }

    /// `{a="1", b="2"}`, as Prometheus's `labels.Labels.String`.
    static func labelsText(_ labels: Labels) -> String {
        "{" + labels.map { "\($0.name)=\($0.value.quotedForPromQL)" }.joined(separator: ", ") + "}"
    }
}
