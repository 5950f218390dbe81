import ArgumentParser
import Foundation
import Model
import TSDB

/// `pharos tsdb analyze [DIR] [BLOCK_ID] [--limit=N] [--extended]`: the cardinality and churn
/// report of one block, as `promtool tsdb analyze` prints it.
struct TSDBAnalyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Analyze churn, label pair cardinality and compaction efficiency of a block (like promtool tsdb analyze).",
        discussion: "Example: pharos tsdb analyze data/ --limit=10"
    )

    @Argument(help: "The data directory.")
    var directory = "data/"

    @Argument(help: "The block to analyze (default: the last block).")
    var blockID: String?

    @Option(help: "How many items to show in each list.")
    var limit = 20

    @Flag(help: "Also show how full the block's chunks are.")
    var extended = false

    func run() throws {
        let block: Block
        let analysis: BlockAnalysis
        do {
            let path = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
            guard let selected = try Block.select(in: path, id: blockID) else {
                // promtool's wording, an empty ID included.
                FileHandle.standardError.write(Data("block \(blockID ?? "") not found\n".utf8))
                throw ExitCode.failure
            }
            block = selected
            analysis = try BlockAnalysis(block, extended: extended)
        } catch let error as TSDBError {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode.failure
        }
        print(analysis.report(
            blockID: block.ulid.description, duration: GoDuration.format(milliseconds: block.maxTime - block.minTime), limit: limit), terminator: "")
    }
}
