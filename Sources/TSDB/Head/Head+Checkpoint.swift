import Synchronization

extension Head {
    /// Checkpoints the WAL and deletes what the checkpoint replaces (upstream's
    /// `wlog.Checkpoint` and `Head.truncateWAL`), after `truncate(before:)`.
    ///
    /// The current segment is closed and writing continues in a new one; then the previous
    /// checkpoint and every segment up to the closed one are read, record by record, and what
    /// still matters is written to `wal/checkpoint.NNNNNNNN` (NNNNNNNN = the closed segment):
    /// series records of series the head still holds, samples at or after `minValidTime`,
    /// tombstones reaching it. Segments at or after a reader's hold (`holdWAL`) are kept. The checkpoint is written to `checkpoint.NNNNNNNN.tmp`, fsynced
    /// and renamed; only then are the segments and older checkpoints deleted, so a crash at
    /// any point leaves a WAL that replays to the same head. Replay (`Head.open`) reads the
    /// newest checkpoint, then the segments after it. Commits go on meanwhile; calls must not
    /// overlap each other (`DB` makes them under its maintenance lock).
    ///
    /// - Returns: the index of the newest segment the checkpoint covers, `nil` without a WAL.
    /// - Throws: `TSDBError.io` on file errors; `.corruptWAL` for a damaged segment (the
    ///   segments are kept then).
    @discardableResult
    package func checkpointWAL() throws(TSDBError) -> Int? {
        let rotated = try commitState.withLock { (state: inout CommitState) throws(TSDBError) -> (String, Int)? in
            guard !state.closed, let wal = state.wal else { return nil }
            if let failure = state.walFailure ?? wal.failure { throw failure }
            do throws(TSDBError) {
                return (wal.directory, try wal.startNextSegment())
            } catch {
                state.walFailure = error
                throw error
            }
        }
        guard let (walDirectory, last) = rotated else { return nil }
        let floor = minValidTime
        let names = try FileIO.listDirectory(walDirectory)
        let previous = names.compactMap(WALFormat.checkpointIndex).filter { $0 <= last }.max()
        var sources = [(path: String, segment: Int)]()
        if let previous {
            let directory = walDirectory + "/" + WALFormat.checkpointName(previous)
            for segment in try FileIO.listDirectory(directory).compactMap(WALFormat.segmentIndex).sorted() {
                sources.append((directory + "/" + WALFormat.segmentName(segment), segment))
            }
        }
        let segments = names.compactMap(WALFormat.segmentIndex).filter { $0 <= last }.sorted()
        for segment in segments where segment > (previous ?? -1) {
            sources.append((walDirectory + "/" + WALFormat.segmentName(segment), segment))
        }

        // What an interrupted checkpoint left is incomplete: its segments still hold it all.
        for name in names where name.hasPrefix("checkpoint.") && name.hasSuffix(".tmp") {
            try FileIO.removeTree(walDirectory + "/" + name)
        }
        let final = walDirectory + "/" + WALFormat.checkpointName(last)
        let temporary = final + ".tmp"
        let writer = try WALWriter(directory: temporary, firstSegment: 0, compresses: options.walCompression)
        for source in sources {
            var failure: TSDBError?
            // Kept records go out a megabyte at a time, so a segment is never held whole.
            var kept = [[UInt8]](), keptBytes = 0
            let corruption = try WALSegmentReader.records(inFile: source.path, segment: source.segment) {
                record throws(WALSegmentReader.Corruption) in
                do throws(TSDBError) {
                    guard let record = try checkpointRecord(record, floor: floor) else { return }
                    kept.append(record)
                    keptBytes += record.count
                    if keptBytes >= 1 << 20 {
                        _ = try writer.write(kept)
                        kept.removeAll(keepingCapacity: true)
                        keptBytes = 0
                    }
                } catch {
                    failure = error
                    throw WALSegmentReader.Corruption(segment: source.segment, goodLength: 0, reason: "\(error)")
                }
            }
            if let corruption {
                try? writer.close()
                throw failure ?? .corruptWAL(segment: source.segment, offset: corruption.goodLength,
                                             reason: "checkpointing \(source.path): \(corruption.reason)")
            }
            _ = try writer.write(kept)
        }
        try writer.close()
        try FileIO.rename(temporary, to: final)
        try FileIO.syncDirectory(walDirectory)
        // Segments a reader of the log still needs stay; replay skips them (the checkpoint
        // covers them) and a later checkpoint deletes them once released.
        let keptFrom = walHolds.withLock { $0.values.min() } ?? .max
        for segment in segments where segment < keptFrom {
            try FileIO.removeFile(walDirectory + "/" + WALFormat.segmentName(segment))
        }
        for name in names where WALFormat.checkpointIndex(name).map({ $0 < last }) ?? false {
            try FileIO.removeTree(walDirectory + "/" + name)
        }
        try FileIO.syncDirectory(walDirectory)
        return last
    }

    /// What a checkpoint keeps of one WAL record, re-encoded; `nil` to drop it entirely.
    func checkpointRecord(_ bytes: [UInt8], floor: Int64) throws(TSDBError) -> [UInt8]? {
        switch try WALRecord.decode(bytes) {
        case .series(let entries):
            let kept = entries.filter { contains($0.ref) }
            return kept.isEmpty ? nil : WALRecord.encodeSeries(kept.map { ($0.ref, $0.labels) })
        case .samples(let entries):
            let kept = entries.filter { $0.timestamp >= floor && contains($0.ref) }
            return kept.isEmpty ? nil
                : WALRecord.encodeSamples(kept)
        case .tombstones(let entries):
            let kept = entries.filter { $0.maxt >= floor && contains($0.ref) }
            return kept.isEmpty ? nil : WALRecord.encodeTombstones(kept)
        case nil:
            return nil
        }
    }
}
