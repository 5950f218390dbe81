import ArgumentParser

/// `pharos tsdb`: tools for TSDB data directories, like `promtool tsdb`.
struct TSDBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsdb",
        abstract: "Tools for TSDB data directories.",
        subcommands: [TSDBCreateBlocks.self, TSDBDump.self, TSDBAnalyze.self]
    )
}
