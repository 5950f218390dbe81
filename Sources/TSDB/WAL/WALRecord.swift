package import Model

/// The WAL's record payloads, as Prometheus's `tsdb/record/record.go` encodes them
/// (docs/tsdb.md). The first byte is the type; integers are big endian or Go varints.
///
/// ```
/// series (1):     { ref BE64 | uvarint #labels | { uvarint len | name | uvarint len | value }... }...
/// samples (2):    first.ref BE64 | first.t BE64 | { varint ref-first.ref | varint t-first.t | value bits BE64 }...
/// samples v2 (11): varint first.ref | varint first.t | varint first.st | first value bits BE64 |
///                  { varint ref-prev.ref | varint t-first.t | st marker | value bits BE64 }...
///                  (st marker: 0 none, 1 same as the previous sample's, 2 then varint st-first.st)
/// tombstones (3): { ref BE64 | varint mint | varint maxt }...
/// ```
package enum WALRecord: Equatable, Sendable {
    /// Series created since the last record: reference and labels.
    case series([SeriesEntry])
    /// Float samples (written as a samples v2 record when one has a start timestamp).
    case samples([SampleEntry])
    /// Deleted time ranges, inclusive, per series.
    case tombstones([TombstoneEntry])

    /// One series of a series record.
    package struct SeriesEntry: Equatable, Sendable {
        /// The series' reference, as later samples records name it.
        package var ref: SeriesRef
        /// The series' labels.
        package var labels: Labels
        /// Creates an entry.
        package init(ref: SeriesRef, labels: Labels) { self.ref = ref; self.labels = labels }
    }

    /// One sample of a samples record.
    package struct SampleEntry: Equatable, Sendable {
        /// The series, by the reference of an earlier series record.
        package var ref: SeriesRef
        /// Milliseconds since the epoch.
        package var timestamp: Int64
        /// The value (stale markers included).
        package var value: Double
        /// The start timestamp (milliseconds; 0: unknown).
        package var startTimestamp: Int64
        /// Creates an entry.
        package init(ref: SeriesRef, timestamp: Int64, value: Double, startTimestamp: Int64 = 0) {
            self.ref = ref; self.timestamp = timestamp; self.value = value; self.startTimestamp = startTimestamp
        }
        /// Equal when the value bits are equal, so NaNs and stale markers compare exactly.
        package static func == (a: SampleEntry, b: SampleEntry) -> Bool {
            a.ref == b.ref && a.timestamp == b.timestamp && a.value.bitPattern == b.value.bitPattern
                && a.startTimestamp == b.startTimestamp
        }
    }

    /// One deleted interval of a tombstones record.
    package struct TombstoneEntry: Equatable, Sendable {
        /// The series.
        package var ref: SeriesRef
        /// The first deleted timestamp.
        package var mint: Int64
        /// The last deleted timestamp.
        package var maxt: Int64
        /// Creates an entry.
        package init(ref: SeriesRef, mint: Int64, maxt: Int64) { self.ref = ref; self.mint = mint; self.maxt = maxt }
    }

    /// Record type bytes (upstream's `record.Type`).
    package enum Kind: UInt8 {
        case series = 1, samples = 2, tombstones = 3, samplesV2 = 11
    }

    /// The start-timestamp markers of a samples v2 record (upstream's `noST`, `sameST`,
    /// `explicitST`).
    enum StartTimestampMarker: UInt8 {
        case none = 0, same = 1, explicit = 2
    }

    /// Encodes a series record.
    package static func encodeSeries(_ series: [(SeriesRef, Labels)]) -> [UInt8] {
        var out: [UInt8] = [Kind.series.rawValue]
        for (ref, labels) in series {
            out.appendBigEndian(ref.rawValue)
            Varint.appendUnsigned(UInt64(labels.count), to: &out)
            for label in labels {
                out.appendUvarintString(label.name)
                out.appendUvarintString(label.value)
            }
        }
        return out
    }

    /// Encodes a samples record: version 2 (Prometheus's `SamplesV2`) when a sample has a
    /// start timestamp, else version 1, which every Prometheus reads.
    package static func encodeSamples(_ samples: some Collection<SampleEntry>) -> [UInt8] {
        if samples.contains(where: { $0.startTimestamp != 0 }) { return encodeSamplesV2(samples) }
        var out: [UInt8] = [Kind.samples.rawValue]
        guard let first = samples.first else { return out }
        out.reserveCapacity(17 + samples.count * 14)
        out.appendBigEndian(first.ref.rawValue)
        out.appendBigEndian(UInt64(bitPattern: first.timestamp))
        for sample in samples {
            // Wrapping as Go's int64 arithmetic: a decoder adds back with wrapping too.
            Varint.appendSigned(Int64(bitPattern: sample.ref.rawValue &- first.ref.rawValue), to: &out)
            Varint.appendSigned(sample.timestamp &- first.timestamp, to: &out)
            out.appendBigEndian(sample.value.bitPattern)
        }
        return out
    }

    /// Encodes a samples v2 record, which carries start timestamps.
    static func encodeSamplesV2(_ samples: some Collection<SampleEntry>) -> [UInt8] {
        var out: [UInt8] = [Kind.samplesV2.rawValue]
        guard let first = samples.first else { return out }
        out.reserveCapacity(28 + samples.count * 16)
        Varint.appendSigned(Int64(bitPattern: first.ref.rawValue), to: &out)
        Varint.appendSigned(first.timestamp, to: &out)
        Varint.appendSigned(first.startTimestamp, to: &out)
        out.appendBigEndian(first.value.bitPattern)
        var previous = first
        for sample in samples.dropFirst() {
            Varint.appendSigned(Int64(bitPattern: sample.ref.rawValue &- previous.ref.rawValue), to: &out)
            Varint.appendSigned(sample.timestamp &- first.timestamp, to: &out)
            if sample.startTimestamp == 0 {
                out.append(StartTimestampMarker.none.rawValue)
            } else if sample.startTimestamp == previous.startTimestamp {
                out.append(StartTimestampMarker.same.rawValue)
            } else {
                out.append(StartTimestampMarker.explicit.rawValue)
                Varint.appendSigned(sample.startTimestamp &- first.startTimestamp, to: &out)
            }
            out.appendBigEndian(sample.value.bitPattern)
            previous = sample
        }
        return out
    }

    /// Encodes a samples record from columns of equal length.
    package static func encodeSamples(refs: [SeriesRef], timestamps: [Int64], values: [Double]) -> [UInt8] {
        precondition(refs.count == timestamps.count && refs.count == values.count, "BUG: column lengths differ")
        return encodeSamples(refs.indices.lazy.map { SampleEntry(ref: refs[$0], timestamp: timestamps[$0], value: values[$0]) })
    }

    /// Encodes a tombstones record.
    package static func encodeTombstones(_ stones: [TombstoneEntry]) -> [UInt8] {
        var out: [UInt8] = [Kind.tombstones.rawValue]
        for stone in stones {
            out.appendBigEndian(stone.ref.rawValue)
            Varint.appendSigned(stone.mint, to: &out)
            Varint.appendSigned(stone.maxt, to: &out)
        }
        return out
    }

    /// Decodes a record.
    ///
    /// - Returns: `nil` for a record type Pharos does not use yet (exemplars, metadata,
    ///   histograms, mmap markers), which replay skips as upstream skips unknown types.
    /// - Throws: `TSDBError.corruptRecord` naming what did not decode.
    package static func decode(_ bytes: [UInt8]) throws(TSDBError) -> WALRecord? {
        guard let type = bytes.first else { throw .corruptRecord(reason: "empty record") }
        guard let kind = Kind(rawValue: type) else { return nil }
        var cursor = ByteCursor(bytes, range: 1..<bytes.count)
        switch kind {
        case .series:
            var entries = [SeriesEntry]()
            while cursor.remaining > 0 {
                let ref = SeriesRef(rawValue: cursor.bigEndian64())
                let count = cursor.uvarint()
                guard !cursor.failed, count <= UInt64(cursor.remaining / 2) else {
                    throw .corruptRecord(reason: "series record: truncated series \(entries.count + 1)")
                }
                var labels = [Label]()
                labels.reserveCapacity(Int(count))
                for _ in 0..<count { labels.append(Label(name: cursor.uvarintString(), value: cursor.uvarintString())) }
                guard !cursor.failed else { throw .corruptRecord(reason: "series record: truncated labels of series \(ref)") }
                entries.append(SeriesEntry(ref: ref, labels: Labels(labels)))
            }
            return .series(entries)
        case .samples:
            var entries = [SampleEntry]()
            guard cursor.remaining > 0 else { return .samples([]) }
            let firstRef = cursor.bigEndian64()
            let firstT = Int64(bitPattern: cursor.bigEndian64())
            while cursor.remaining > 0 {
                let dRef = cursor.varint()
                let dT = cursor.varint()
                let bits = cursor.bigEndian64()
                guard !cursor.failed else { throw .corruptRecord(reason: "samples record: truncated sample \(entries.count + 1)") }
                entries.append(SampleEntry(ref: SeriesRef(rawValue: firstRef &+ UInt64(bitPattern: dRef)),
                                           timestamp: firstT &+ dT, value: Double(bitPattern: bits)))
            }
            guard !cursor.failed else { throw .corruptRecord(reason: "samples record: truncated header") }
            return .samples(entries)
        case .samplesV2:
            return .samples(try decodeSamplesV2(&cursor))
        case .tombstones:
            var entries = [TombstoneEntry]()
            while cursor.remaining > 0 {
                let ref = SeriesRef(rawValue: cursor.bigEndian64())
                let mint = cursor.varint()
                let maxt = cursor.varint()
                guard !cursor.failed else { throw .corruptRecord(reason: "tombstones record: truncated interval \(entries.count + 1)") }
                entries.append(TombstoneEntry(ref: ref, mint: mint, maxt: maxt))
            }
            return .tombstones(entries)
        }
    }

    /// The entries of a samples v2 record after its type byte.
    private static func decodeSamplesV2(_ cursor: inout ByteCursor<[UInt8]>) throws(TSDBError) -> [SampleEntry] {
        var entries = [SampleEntry]()
        guard cursor.remaining > 0 else { return entries }
        let firstRef = UInt64(bitPattern: cursor.varint())
        let firstT = cursor.varint()
        let firstST = cursor.varint()
        let firstBits = cursor.bigEndian64()
        guard !cursor.failed else { throw .corruptRecord(reason: "samples v2 record: truncated first sample") }
        var previous = SampleEntry(ref: SeriesRef(rawValue: firstRef), timestamp: firstT, value: Double(bitPattern: firstBits),
                                   startTimestamp: firstST)
        entries.append(previous)
        while cursor.remaining > 0 {
            let dRef = cursor.varint()
            let dT = cursor.varint()
            let marker = cursor.byte()
            var st: Int64 = 0
            switch StartTimestampMarker(rawValue: marker) {
            case .none?: st = 0
            case .same?: st = previous.startTimestamp
            case .explicit?: st = firstST &+ cursor.varint()
            case nil:
                guard !cursor.failed else { break }
                throw .corruptRecord(reason: "samples v2 record: unknown start timestamp marker \(marker) in sample \(entries.count + 1)")
            }
            let bits = cursor.bigEndian64()
            guard !cursor.failed else { throw .corruptRecord(reason: "samples v2 record: truncated sample \(entries.count + 1)") }
            previous = SampleEntry(ref: SeriesRef(rawValue: previous.ref.rawValue &+ UInt64(bitPattern: dRef)),
                                   timestamp: firstT &+ dT, value: Double(bitPattern: bits), startTimestamp: st)
            entries.append(previous)
        }
        return entries
    }
}
