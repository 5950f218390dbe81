package import Exposition
package import Model

/// The reader's side of record chains (`ChainedRecordFormat`): the chains of every writer of
/// one partition, as read so far.
///
/// A record decodes only after its chain's key record and every record between them. So that
/// a restarted reader can decode again, `resumeOffset(next:)` says where to start: the oldest key
/// record of a chain that may still grow. A chain stops growing when its writer starts the next
/// one (the new key record names it) or when its age plus `ChainedRecordFormat.clockMarginMs`
/// has passed by the newest writer clock read in the partition.
package struct ChainedRecordDecoder: Sendable {
    private struct Chain {
        let keyOffset: Int64
        let startMs: Int64
        let maxAgeMs: Int64
        var nextSequence: UInt64 = 1
        var labels: [Labels] = []
        var series: [ChainedSeriesState] = []
    }

    private var chains: [UInt64: Chain] = [:]
    /// The newest writer clock read in any record.
    private var newestMs: Int64 = .min

    /// A decoder that knows no chain yet.
    package init() {}

    /// How many chains are open.
    package var openChainCount: Int { chains.count }

    /// Decodes the body (decompressed) of the chained record at `offset` into `batch`,
    /// replacing its content.
    /// - Throws: `StreamError.chainBroken` when the record's chain is unknown (its key record
    ///   lies before where this reader started, or the chain was dropped) or a record of it is
    ///   missing; `.malformedPayload` when the body is not a valid record, which also drops its
    ///   chain (its later records cannot be decoded correctly).
    package mutating func decode(_ body: UnsafeRawBufferPointer, offset: Int64, into batch: inout RemoteWriteBatch) throws(StreamError) {
        batch.removeAll()
        var reader = ProtobufReader(body)
        let chainID: UInt64, sequence: UInt64
        do {
            chainID = try reader.fixed64()
            sequence = try reader.varint()
        } catch {
            throw Self.malformed(error)
        }
        var chain: Chain
        if sequence == 0 {
            let previous: UInt64, startMs: Int64, maxAgeMs: UInt64
            do {
                previous = try reader.fixed64()
                startMs = ChainedRecordFormat.unZigZag(try reader.varint())
                maxAgeMs = try reader.varint()
            } catch {
                throw Self.malformed(error)
            }
            guard maxAgeMs > 0, maxAgeMs <= UInt64(Int64.max / 4) else {
                throw .malformedPayload("chained record: a chain max age of \(maxAgeMs) ms")
            }
            chains[previous] = nil
            chain = Chain(keyOffset: offset, startMs: startMs, maxAgeMs: Int64(maxAgeMs))
        } else {
            // Taken out while it changes (its arrays stay uniquely referenced); put back on success.
            guard let known = chains.removeValue(forKey: chainID) else {
                throw .chainBroken(chain: chainID, sequence: sequence, expected: nil)
            }
            guard known.nextSequence == sequence else {
                throw .chainBroken(chain: chainID, sequence: sequence, expected: known.nextSequence)
            }
            chain = known
        }
        let elapsed: UInt64
        do throws(ExpositionError) {
            elapsed = try reader.varint()
            guard elapsed <= UInt64(chain.maxAgeMs) * 2 else {
                throw ExpositionError.malformedProtobuf("a record \(elapsed) ms into a chain of \(chain.maxAgeMs) ms", offset: 0)
            }
            try Self.decodeSamples(&reader, body: body, chain: &chain, into: &batch)
        } catch {
            batch.removeAll()
            throw Self.malformed(error)
        }
        chain.nextSequence = sequence + 1
        newestMs = max(newestMs, chain.startMs &+ Int64(elapsed))
        chains[chainID] = chain
    }

    private static func malformed(_ error: ExpositionError) -> StreamError {
        .malformedPayload("chained record: \(error)")
    }

    /// Where a reader that has processed everything before `next` resumes after a restart: the
    /// oldest key record of a chain that may still grow, or `next`. Forgets finished chains.
    package mutating func resumeOffset(next: Int64) -> Int64 {
        chains = chains.filter { _, chain in
            newestMs == .min || chain.startMs &+ chain.maxAgeMs &+ ChainedRecordFormat.clockMarginMs >= newestMs
        }
        return chains.values.reduce(next) { min($0, $1.keyOffset) }
    }

    /// Reads the series named by the record and its sample columns; changes `chain` only once
    /// the whole record has been read, so a malformed record leaves nothing half applied.
    private static func decodeSamples(_ reader: inout ProtobufReader, body: UnsafeRawBufferPointer, chain: inout Chain,
                                      into batch: inout RemoteWriteBatch) throws(ExpositionError) {
        let namedCount = try reader.varint()
        guard namedCount <= UInt64(body.count) else { throw .malformedProtobuf("\(namedCount) series named in \(body.count) bytes", offset: reader.offset) }
        var named: [Labels] = []
        for _ in 0..<namedCount {
            let labelCount = try reader.varint()
            guard labelCount >= 1, labelCount <= UInt64(body.count) else { throw .malformedProtobuf("series with \(labelCount) labels", offset: reader.offset) }
            var labels: [Label] = []
            for _ in 0..<labelCount {
                let nameRange = try reader.lengthDelimited(), valueRange = try reader.lengthDelimited()
                guard let name = reader.string(nameRange), let value = reader.string(valueRange), !name.isEmpty else {
                    throw .malformedProtobuf("label is not a non-empty UTF-8 name and a UTF-8 value", offset: nameRange.lowerBound)
                }
                labels.append(Label(name: name, value: value))
            }
            named.append(Labels(labels))
        }
        let sampleCount = try reader.varint()
        // Every sample takes at least three bytes (number, timestamp, value).
        guard sampleCount <= UInt64(body.count - reader.offset) / 3 else {
            throw .malformedProtobuf("\(sampleCount) samples in \(body.count - reader.offset) bytes", offset: reader.offset)
        }
        let seriesCount = Int64(chain.labels.count + named.count)
        var ids: [Int] = []
        ids.reserveCapacity(Int(sampleCount))
        var previous: Int64 = -1
        for _ in 0..<sampleCount {
            let id = previous &+ 1 &+ ChainedRecordFormat.unZigZag(try reader.varint())
            guard id >= 0, id < seriesCount else { throw .malformedProtobuf("series number \(id) of \(seriesCount)", offset: reader.offset) }
            ids.append(Int(id))
            previous = id
        }
        var deltas: [Int64] = []
        deltas.reserveCapacity(ids.count)
        for _ in ids { deltas.append(ChainedRecordFormat.unZigZag(try reader.varint())) }
        var xors: [UInt64] = []
        xors.reserveCapacity(ids.count)
        for _ in ids { xors.append(try ChainedRecordFormat.readXOR(&reader)) }
        guard !reader.hasMore else { throw .malformedProtobuf("bytes after the values", offset: reader.offset) }

        chain.labels.append(contentsOf: named)
        chain.series.append(contentsOf: repeatElement(ChainedSeriesState(), count: named.count))
        var i = 0
        while i < ids.count {
            let id = ids[i], start = batch.timestampsMs.count
            while i < ids.count, ids[i] == id {
                batch.timestampsMs.append(chain.series[id].timestamp(fromDeltaOfDelta: deltas[i]))
                batch.values.append(chain.series[id].value(fromXOR: xors[i]))
                batch.startTimestampsMs.append(0)
                i += 1
            }
            batch.labels.append(chain.labels[id])
            batch.sampleRanges.append(start..<batch.timestampsMs.count)
            batch.histogramRanges.append(0..<0)
            batch.exemplarRanges.append(0..<0)
        }
    }
}
