extension ChunkSnapshot {
    /// The chunk's samples, decoded.
    ///
    /// - Throws: `TSDBError.corruptChunk` when the bytes do not decode.
    func samples() throws(TSDBError) -> [(t: Int64, v: Double)] {
        var iterator = XORIterator()
        switch encoding {
        case .xor: iterator.reset(bytes: bytes, range: range)
        }
        var out = [(t: Int64, v: Double)]()
        out.reserveCapacity(iterator.count)
        while iterator.next() { out.append((iterator.timestamp, iterator.value)) }
        if let error = iterator.error { throw error }
        return out
    }

    /// Samples in increasing time order encoded as XOR chunks of `BlockWriter.samplesPerChunk`.
    package static func encode(_ samples: [(t: Int64, v: Double)]) -> [ChunkSnapshot] {
        var out = [ChunkSnapshot]()
        var start = 0
        while start < samples.count {
            let end = min(start + BlockWriter.samplesPerChunk, samples.count)
            var chunk = XORChunk()
            for sample in samples[start..<end] { chunk.append(timestamp: sample.t, value: sample.v) }
            let bytes = chunk.bytes
            out.append(ChunkSnapshot(encoding: .xor, bytes: bytes, range: bytes.indices,
                                     minTime: samples[start].t, maxTime: samples[end - 1].t))
            start = end
        }
        return out
    }
}
