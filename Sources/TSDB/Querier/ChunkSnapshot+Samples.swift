extension ChunkSnapshot {
    /// One decoded sample; `st` is its start timestamp, 0 when unknown.
    typealias Sample = (t: Int64, v: Double, st: Int64)

    /// The chunk's samples, decoded.
    ///
    /// - Throws: `TSDBError.corruptChunk` when the bytes do not decode.
    func samples() throws(TSDBError) -> [Sample] {
        switch encoding {
        case .xor: try samples(XORIterator())
        case .xor2: try samples(XOR2Iterator())
        }
    }

    private func samples<Iterator: FloatChunkIterator>(_ iterator: Iterator) throws(TSDBError) -> [Sample] {
        var iterator = iterator
        iterator.reset(bytes: bytes, range: range)
        var out = [Sample]()
        while iterator.next() { out.append((iterator.timestamp, iterator.value, iterator.startTimestamp)) }
        if let error = iterator.error { throw error }
        return out
    }

    /// Samples in increasing time order encoded as chunks of `BlockWriter.samplesPerChunk`:
    /// XOR chunks, or XOR2 chunks where a sample has a start timestamp.
    static func encode(_ samples: [Sample]) -> [ChunkSnapshot] {
        var out = [ChunkSnapshot]()
        var start = 0
        while start < samples.count {
            let end = min(start + BlockWriter.samplesPerChunk, samples.count)
            let part = samples[start..<end]
            let bytes: [UInt8], encoding: ChunkEncoding
            if part.contains(where: { $0.st != 0 }) {
                var chunk = XOR2Chunk()
                for sample in part { chunk.append(startTimestamp: sample.st, timestamp: sample.t, value: sample.v) }
                (bytes, encoding) = (chunk.bytes, .xor2)
            } else {
                var chunk = XORChunk()
                for sample in part { chunk.append(timestamp: sample.t, value: sample.v) }
                (bytes, encoding) = (chunk.bytes, .xor)
            }
            out.append(ChunkSnapshot(encoding: encoding, bytes: bytes, range: bytes.indices,
                                     minTime: samples[start].t, maxTime: samples[end - 1].t))
            start = end
        }
        return out
    }
}
