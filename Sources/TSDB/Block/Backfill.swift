package import Model

/// Cuts samples into blocks of a fixed duration aligned to the epoch, as
/// `promtool tsdb create-blocks-from openmetrics` does: one block per window
/// `[k × duration, (k + 1) × duration)` that holds samples, each spanning its samples.
package enum Backfill {
    /// Writes one block per window of `blockDuration` milliseconds holding samples of
    /// `series` into `directory` and returns their metadata, oldest first.
    ///
    /// Samples of a series are sorted by time first; a second sample at the same timestamp
    /// is dropped, as the head drops a duplicate.
    /// - Throws: `TSDBError.invalidBlock` for a non-positive duration; `.io` on file errors.
    package static func createBlocks(_ series: [Labels: [(timestamp: Int64, value: Double)]], into directory: String,
                                     blockDuration: Int64) throws(TSDBError) -> [BlockMeta] {
        guard blockDuration > 0 else { throw .invalidBlock(reason: "block duration must be positive") }
        var windows: [Int64: [BlockWriter.SeriesSamples]] = [:]
        for (labels, samples) in series {
            var sorted = samples.sorted { $0.timestamp < $1.timestamp }
            sorted = sorted.enumerated().filter { $0.offset == 0 || sorted[$0.offset - 1].timestamp != $0.element.timestamp }
                .map(\.element)
            var start = 0
            while start < sorted.count {
                let window = floorDivide(sorted[start].timestamp, blockDuration)
                var end = start
                while end < sorted.count, floorDivide(sorted[end].timestamp, blockDuration) == window { end += 1 }
                windows[window, default: []].append(BlockWriter.SeriesSamples(labels: labels, samples: Array(sorted[start..<end])))
                start = end
            }
        }
        var metas: [BlockMeta] = []
        for window in windows.keys.sorted() {
            let first = windows[window]!.map { $0.samples[0].timestamp }.min() ?? 0
            metas.append(try BlockWriter.write(windows[window]!, into: directory,
                                               ulid: ULID.make(milliseconds: UInt64(clamping: max(0, first)))))
        }
        return metas
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }
}
