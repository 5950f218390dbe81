import Synchronization
package import Logging
import Model

extension Head {
    /// Opens the head stored in `directory`: replays its WAL (`directory/wal`) to rebuild the
    /// series and samples, then appends new batches to a fresh segment.
    ///
    /// Damage in the WAL (a record torn by a crash, flipped bytes) ends the replay at the last
    /// intact record: that segment is truncated there and later segments are removed, with a
    /// warning, as upstream's `wlog.Repair`. Everything before the damage is kept.
    ///
    /// The newest checkpoint (`wal/checkpoint.NNNNNNNN`, as Prometheus writes when it
    /// truncates the WAL) is replayed first, then the segments numbered after it.
    ///
    /// `minValidTime` is where the database's blocks end: replayed samples older than it are
    /// already in a block and are dropped, and appends older than it are refused.
    ///
    /// - Throws: `TSDBError.io` when the directory cannot be read or written;
    ///   `TSDBError.corruptWAL` or `.corruptRecord` for a damaged checkpoint.
    ///
    /// With `readOnly` nothing is written: a missing WAL is an empty head, replay stops at
    /// damage without repairing it, and the head takes no appends that reach a WAL (for
    /// `pharos tsdb dump` on a directory another process may own).
    package static func open(directory: String, options: Options = Options(), minValidTime: Int64 = .min,
                             readOnly: Bool = false,
                             logger: Logger = Logger(label: "pharos.tsdb")) throws(TSDBError) -> Head {
        let walDirectory = directory + "/wal"
        if !readOnly {
            try FileIO.makeDirectory(directory)
            try FileIO.makeDirectory(walDirectory)
        }
        let head = Head(options: options, logger: logger)
        head.minValidTimeAtomic.store(minValidTime, ordering: .releasing)
        let names: [String]
        if readOnly {
            names = (try? FileIO.listDirectory(walDirectory)) ?? []
        } else {
            names = try FileIO.listDirectory(walDirectory)
        }
        var refMap = [SeriesRef: SeriesRef]()
        var lastSegment = -1
        // A checkpoint (upstream's `wlog.Checkpoint`) holds what truncated segments up to its
        // index still contributed; replay starts with it, then the segments after it.
        if let checkpoint = names.compactMap(WALFormat.checkpointIndex).max() {
            try head.replayCheckpoint(walDirectory + "/" + WALFormat.checkpointName(checkpoint), refMap: &refMap)
            lastSegment = checkpoint
        }
        let segments = names.compactMap(WALFormat.segmentIndex).filter { $0 > lastSegment }.sorted()
        if let last = try head.replay(walDirectory, segments: segments, readOnly: readOnly, { record throws(TSDBError) in
            try head.replay(record, refMap: &refMap)
        }) {
            lastSegment = last
        }
        // The write-behind log (`wbl/`): out-of-order samples not yet compacted into blocks,
        // after the WAL has named every series (upstream replays it after the WAL too).
        let wblDirectory = directory + "/wbl"
        let wblSegments = ((try? FileIO.listDirectory(wblDirectory)) ?? []).compactMap(WALFormat.segmentIndex).sorted()
        try head.replay(wblDirectory, segments: wblSegments, readOnly: readOnly) { record throws(TSDBError) in
            guard case .samples(let entries) = try WALRecord.decode(record) else { return }
            head.applyOutOfOrder(entries.map { entry in
                var mapped = entry
                mapped.ref = refMap[entry.ref] ?? entry.ref
                return mapped
            })
        }
        guard !readOnly else { return head }
        let wal = try WALWriter(directory: walDirectory, firstSegment: lastSegment + 1, segmentSize: options.walSegmentSize,
                                compresses: options.walCompression)
        head.commitState.withLock {
            $0.wal = wal
            $0.wblDirectory = wblDirectory
        }
        return head
    }

    /// Replays the records of `segments` (ascending) of the log in `directory`, stopping at
    /// the first damage: unless `readOnly`, that segment is truncated after its last intact
    /// record and the later ones are removed, with a warning. Returns the last segment read.
    func replay(_ directory: String, segments: [Int], readOnly: Bool,
                _ apply: (_ record: [UInt8]) throws(TSDBError) -> Void) throws(TSDBError) -> Int? {
        var lastSegment: Int?
        for (position, segment) in segments.enumerated() {
            let path = directory + "/" + WALFormat.segmentName(segment)
            let corruption = try WALSegmentReader.records(inFile: path, segment: segment) { record throws(WALSegmentReader.Corruption) in
                do throws(TSDBError) {
                    try apply(record)
                } catch {
                    throw WALSegmentReader.Corruption(segment: segment, goodLength: 0, reason: "\(error)")
                }
            }
            lastSegment = segment
            guard let corruption else { continue }
            if readOnly {
                logger.warning("WAL is damaged; reading stops at the last intact record", metadata: [
                    "log": "\(directory)", "segment": "\(segment)", "offset": "\(corruption.goodLength)",
                    "reason": "\(corruption.reason)",
                ])
                break
            }
            walRepairsAtomic.add(1, ordering: .relaxed)
            logger.warning("WAL is damaged; truncating it after the last intact record", metadata: [
                "log": "\(directory)", "segment": "\(segment)", "offset": "\(corruption.goodLength)",
                "reason": "\(corruption.reason)", "removed_segments": "\(segments.count - position - 1)",
            ])
            try FileIO.truncateFile(path, to: corruption.goodLength)
            for later in segments[(position + 1)...] {
                try FileIO.removeFile(directory + "/" + WALFormat.segmentName(later))
            }
            try FileIO.syncDirectory(directory)
            break
        }
        return lastSegment
    }

    /// Replays every segment of a checkpoint directory. Damage there is an error: the data
    /// cannot be found anywhere else, so the operator must decide.
    func replayCheckpoint(_ path: String, refMap: inout [SeriesRef: SeriesRef]) throws(TSDBError) {
        let segments = try FileIO.listDirectory(path).compactMap(WALFormat.segmentIndex).sorted()
        for segment in segments {
            var decodeError: TSDBError?
            let corruption = try WALSegmentReader.records(inFile: path + "/" + WALFormat.segmentName(segment), segment: segment) {
                record throws(WALSegmentReader.Corruption) in
                do throws(TSDBError) {
                    try replay(record, refMap: &refMap)
                } catch {
                    decodeError = error
                    throw WALSegmentReader.Corruption(segment: segment, goodLength: 0, reason: "\(error)")
                }
            }
            if let corruption {
                throw decodeError ?? .corruptWAL(segment: segment, offset: corruption.goodLength,
                                                 reason: "checkpoint \(path): \(corruption.reason)")
            }
        }
    }

    /// Applies one WAL record during replay. `refMap` maps a series record's ref to the ref
    /// the head already uses for the same labels (a series logged twice).
    func replay(_ bytes: [UInt8], refMap: inout [SeriesRef: SeriesRef]) throws(TSDBError) {
        switch try WALRecord.decode(bytes) {
        case .series(let entries):
            for entry in entries {
                let (ref, _) = getOrCreate(entry.labels, ref: entry.ref)
                if ref != entry.ref { refMap[entry.ref] = ref }
                _ = series.withSeries(ref) { $0.walLogged = true }
            }
        case .samples(let entries):
            var entries = entries
            if !refMap.isEmpty {
                for i in entries.indices { entries[i].ref = refMap[entries[i].ref] ?? entries[i].ref }
            }
            // Samples of unknown series are dropped, as upstream counts them as unknown refs.
            _ = apply(entries)
        case .tombstones(let entries):
            commitState.withLock { state in
                for entry in entries where entry.mint <= entry.maxt {
                    state.tombstones.add(refMap[entry.ref] ?? entry.ref, entry.mint...entry.maxt)
                }
            }
        case nil:
            break
        }
    }
}
