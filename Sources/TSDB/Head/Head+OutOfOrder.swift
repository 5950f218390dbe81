import Model
import Synchronization

extension Head {
    /// The out-of-order samples a compaction writes into blocks: per series, the chunks it
    /// held when the snapshot was taken, and the write-behind-log segment holding the last of
    /// them (`nil`: no log).
    struct OutOfOrderSnapshot {
        var series: [(ref: SeriesRef, series: Series, chunkCount: Int)]
        var lastWBLSegment: Int?
    }

    /// Takes every series' out-of-order samples for compaction (upstream's
    /// `NewOOOCompactionHead`), under the commit lock so no commit falls in between: the
    /// unsorted samples are cut into chunks, the chunks are listed (as one `Series` each,
    /// deleted samples left out, overlapping chunks merged) and the write-behind log moves
    /// to a new segment, so the segments up to the one returned hold exactly these samples.
    /// `dropOutOfOrder` removes them once they are in blocks.
    func outOfOrderSnapshot() throws(TSDBError) -> OutOfOrderSnapshot {
        let (taken, lastSegment) = try commitState.withLock {
            (state: inout CommitState) throws(TSDBError) -> ([(SeriesRef, Labels, [ChunkSnapshot], Int)], Int?) in
            var lastSegment: Int?
            if let wbl = state.wbl {
                do throws(TSDBError) {
                    lastSegment = try wbl.startNextSegment()
                } catch {
                    state.walFailure = error
                    throw error
                }
            } else if let directory = state.wblDirectory {
                lastSegment = ((try? FileIO.listDirectory(directory)) ?? []).compactMap(WALFormat.segmentIndex).max()
            }
            var taken = [(SeriesRef, Labels, [ChunkSnapshot], Int)]()
            for stripe in series.refStripes {
                stripe.series.withLock { map in
                    for (ref, s) in map.all where !s.outOfOrderHead.isEmpty || !s.outOfOrderChunks.isEmpty {
                        s.cutOutOfOrderHead()
                        taken.append((ref, s.labels, s.outOfOrderChunks, s.outOfOrderChunks.count))
                    }
                }
            }
            for index in taken.indices {
                taken[index].2 = try state.tombstones.filter(taken[index].2, of: taken[index].0)
            }
            return (taken, lastSegment)
        }
        var out = [(ref: SeriesRef, series: Series, chunkCount: Int)]()
        out.reserveCapacity(taken.count)
        for (ref, labels, chunks, count) in taken {
            out.append((ref, Series(labels: labels, chunks: try SeriesMerge.mergeChunks(chunks), mint: .min, maxt: .max), count))
        }
        return OutOfOrderSnapshot(series: out, lastWBLSegment: lastSegment)
    }

    /// Drops what `snapshot` took (now served from blocks) and the write-behind-log
    /// segments that held it, then garbage-collects the series left empty.
    func dropOutOfOrder(_ snapshot: OutOfOrderSnapshot) throws(TSDBError) {
        let directory = commitState.withLock { state in
            for entry in snapshot.series {
                _ = series.withSeries(entry.ref) { $0.dropOutOfOrderChunks(entry.chunkCount) }
            }
            return state.wblDirectory
        }
        if let directory, let last = snapshot.lastWBLSegment {
            for segment in try FileIO.listDirectory(directory).compactMap(WALFormat.segmentIndex) where segment <= last {
                try FileIO.removeFile(directory + "/" + WALFormat.segmentName(segment))
            }
            try FileIO.syncDirectory(directory)
        }
        collectEmptySeries()
    }
}
