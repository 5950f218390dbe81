package import Exposition
package import Model

/// The writer's side of a chain of records (payload format 2, docs/stream.md "Chained records").
///
/// One remote-write request carries about one sample per series, so a self-contained record
/// pays for every series' labels and a full 8-byte value per sample. A chain keeps state across
/// the records of one writer on one partition, as a Gorilla chunk does across samples: a series
/// is named once per chain (in the first record that carries it) and gets a number; later
/// records carry its number, the delta of delta of its timestamp and its value XOR the previous
/// one. The first record of a chain (sequence 0, the key record) needs no earlier record.
///
/// A chain ends when it is `maxAgeMs` old (the writer's clock), when it names `maxSeries`
/// series, or when the writer calls `startNewChain` (after a failed append). Records must reach
/// the partition in the order they were encoded.
package struct ChainedRecordEncoder: Sendable {
    /// The chain's identity in its records: random, so chains of different writers never meet.
    package private(set) var chainID: UInt64
    /// The sequence number the next record gets; 0 when it will be a key record.
    package private(set) var nextSequence: UInt64 = 0
    /// How long a chain lasts, by the writer's clock; readers rely on it (docs/stream.md).
    package let maxAgeMs: Int64
    /// The most series one chain names.
    package let maxSeries: Int

    private var previousChainID: UInt64 = 0
    private var startMs: Int64 = 0
    private var ids: [Labels: UInt32] = [:]
    private var series: [ChainedSeriesState] = []
    private var body = ProtobufWriter()

    /// An encoder whose first record will start a chain.
    package init(maxAgeMs: Int64 = ChainedRecordFormat.defaultMaxAgeMs, maxSeries: Int = 1 << 20) {
        precondition(maxAgeMs > 0 && maxSeries > 0, "BUG: a chain needs a positive age and series limit")
        self.maxAgeMs = maxAgeMs
        self.maxSeries = maxSeries
        chainID = Self.randomChainID()
    }

    /// Makes the next record a key record of a new chain.
    package mutating func startNewChain() {
        if nextSequence > 0 { previousChainID = chainID }
        chainID = Self.randomChainID()
        nextSequence = 0
        ids.removeAll(keepingCapacity: true)
        series.removeAll(keepingCapacity: true)
    }

    /// The payload of the next record of the chain: the float samples of `batch` (histograms,
    /// exemplars and metadata are not carried; use `StreamRecordCodec` for batches with them).
    /// Starts a new chain first when the current one is `maxAgeMs` old at `nowMs` (or `nowMs`
    /// went back) or names `maxSeries` series.
    package mutating func encode(_ batch: RemoteWriteBatch, nowMs: Int64) -> [UInt8] {
        if nextSequence > 0, nowMs < startMs || nowMs - startMs >= maxAgeMs || series.count >= maxSeries {
            startNewChain()
        }
        if nextSequence == 0 { startMs = nowMs }
        body.bytes.removeAll(keepingCapacity: true)
        body.fixed64(chainID)
        body.varint(nextSequence)
        if nextSequence == 0 {
            body.fixed64(previousChainID)
            body.varint(ChainedRecordFormat.zigZag(startMs))
            body.varint(UInt64(maxAgeMs))
        }
        body.varint(UInt64(nowMs - startMs))

        var sampleIDs: [UInt32] = []
        sampleIDs.reserveCapacity(batch.timestampsMs.count)
        var named: [Int] = []
        for (index, labels) in batch.labels.enumerated() where !batch.sampleRanges[index].isEmpty {
            let id: UInt32
            if let known = ids[labels] {
                id = known
            } else {
                id = UInt32(series.count)
                ids[labels] = id
                series.append(ChainedSeriesState())
                named.append(index)
            }
            sampleIDs.append(contentsOf: repeatElement(id, count: batch.sampleRanges[index].count))
        }
        body.varint(UInt64(named.count))
        for index in named {
            let labels = batch.labels[index]
            body.varint(UInt64(labels.count))
            for label in labels {
                writeString(label.name)
                writeString(label.value)
            }
        }
        body.varint(UInt64(sampleIDs.count))
        var previousID: Int64 = -1
        for id in sampleIDs {
            body.varint(ChainedRecordFormat.zigZag(Int64(id) - previousID - 1))
            previousID = Int64(id)
        }
        // Samples in batch order, which is the order of `sampleIDs`.
        let samples = batch.sampleRanges.joined()
        for (id, i) in zip(sampleIDs, samples) {
            body.varint(ChainedRecordFormat.zigZag(series[Int(id)].nextTimestampDelta(batch.timestampsMs[i])))
        }
        for (id, i) in zip(sampleIDs, samples) {
            ChainedRecordFormat.writeXOR(series[Int(id)].nextValueXOR(batch.values[i]), to: &body)
        }
        nextSequence += 1

        var payload: [UInt8] = [ChainedRecordFormat.formatByte]
        payload.reserveCapacity(body.bytes.count / 3 + 64)
        body.bytes.withUnsafeBytes { Zstd.compress($0, into: &payload) }
        return payload
    }

    private mutating func writeString(_ string: String) {
        body.varint(UInt64(string.utf8.count))
        body.bytes.append(contentsOf: string.utf8)
    }

    private static func randomChainID() -> UInt64 {
        var generator = SystemRandomNumberGenerator()
        return generator.next() | 1  // never 0, which means "no previous chain"
    }
}
