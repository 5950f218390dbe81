package import Model

/// Writes a persistent block in Prometheus's layout:
///
/// ```
/// <ULID>/meta.json  <ULID>/index  <ULID>/chunks/000001 ...  <ULID>/tombstones
/// ```
///
/// Files go to `<ULID>.tmp-for-creation` first and are fsynced; the directory is then renamed
/// into place, so a crash leaves either a whole block or a temporary directory (which readers
/// ignore), as upstream's `LeveledCompactor.write`.
package enum BlockWriter {
    /// One series and its samples, oldest first, timestamps strictly increasing.
    package struct SeriesSamples: Sendable {
        package var labels: Labels
        package var samples: [(timestamp: Int64, value: Double)]
        /// The samples' start timestamps (0: unknown), or empty when none is known.
        package var startTimestamps: [Int64]

        /// Creates a series to write.
        package init(labels: Labels, samples: [(timestamp: Int64, value: Double)], startTimestamps: [Int64] = []) {
            self.labels = labels
            self.samples = samples
            self.startTimestamps = startTimestamps
        }
    }

    /// Samples per XOR chunk (Prometheus's target for head chunks).
    package static let samplesPerChunk = 120
    /// A chunk segment file is closed once it reaches this size (upstream's default, 512 MiB).
    package static let segmentSize = 512 << 20

    /// Writes `series` as a new block under `directory` and returns its metadata.
    ///
    /// - Parameters:
    ///   - timeRange: the block's `minTime..<maxTime` in `meta.json`, as upstream's compactor
    ///     writes the range it cut (a head block spans its whole 2 h range); by default the
    ///     samples' span.
    ///   - parents: the blocks this one was compacted from: the new block is one level above
    ///     the highest of them (or at `level`), with their sources and themselves as
    ///     parents. None: level 1.
    ///   - hints: `compaction.hints` of `meta.json` (`BlockMeta.fromOutOfOrder`).
    ///
    /// Series without samples are left out. - Throws: `TSDBError.invalidBlock` for unordered
    /// samples, duplicate or empty label sets, or no samples at all; `.io` on file errors.
    @discardableResult
    package static func write(_ series: [SeriesSamples], into directory: String, ulid: ULID,
                              timeRange: Range<Int64>? = nil, parents: [BlockMeta] = [], level: Int? = nil,
                              hints: [String] = [])
        throws(TSDBError) -> BlockMeta
    {
        let ordered = series.filter { !$0.samples.isEmpty }.sorted { $0.labels < $1.labels }
        guard !ordered.isEmpty else { throw .invalidBlock(reason: "no samples to write") }
        let symbols = ordered.lazy.flatMap { $0.labels.lazy.flatMap { [$0.name, $0.value] } }
        let writer = try BlockStreamWriter(directory: directory, ulid: ulid, symbols: symbols)
        do throws(TSDBError) {
            for item in ordered {
                let samples = item.samples
                if let i = samples.indices.dropFirst().first(where: { samples[$0].timestamp <= samples[$0 - 1].timestamp }) {
                    throw .invalidBlock(reason: "samples of \(item.labels) not in increasing time order at \(samples[i].timestamp)")
                }
                let starts = item.startTimestamps
                guard starts.isEmpty || starts.count == samples.count else {
                    throw .invalidBlock(reason: "\(starts.count) start timestamps for \(samples.count) samples of \(item.labels)")
                }
                try writer.add(item.labels, chunks: ChunkSnapshot.encode(samples.indices.map {
                    (samples[$0].timestamp, samples[$0].value, starts.isEmpty ? 0 : starts[$0])
                }))
            }
            return try writer.finish(timeRange: timeRange, parents: parents, level: level, hints: hints)
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// `000001`, `000002`, ...: six-digit, one-based.
    package static func segmentName(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}
