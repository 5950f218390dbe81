package import Model

/// Writes remote-read responses: `ReadResponse` with samples, or the framed
/// `STREAMED_XOR_CHUNKS` stream of `ChunkedReadResponse` messages.
package enum RemoteReadResponse {
    /// Appends a `ReadResponse` (before snappy) to `out`: one `QueryResult` per entry of
    /// `results`, in query order, each holding that batch's series with their samples,
    /// histograms and exemplars (the 1.0 `TimeSeries` layout).
    package static func encodeSamples(_ results: [RemoteWriteBatch], into out: inout [UInt8]) {
        var writer = ProtobufWriter(out)
        out = []
        for batch in results {
            writer.message(1) { result in
                for series in batch.labels.indices {
                    result.message(1) { w in RemoteWriteEncoder.writeSeriesV1(batch, series, into: &w) }
                }
            }
        }
        out = writer.bytes
    }

    /// Appends one frame of the streamed response to `out`: the length of the message as a
    /// uvarint, its CRC-32C (Castagnoli) as 4 big-endian bytes, then the `ChunkedReadResponse`
    /// message holding `series` for the query at `queryIndex` (upstream
    /// `storage/remote/chunked.go`, `ChunkedWriter.Write`). Chunk bytes are written as given.
    package static func appendFrame(
        series: some Sequence<ChunkedSeries>, queryIndex: Int64, to out: inout [UInt8]
    ) {
        var message = ProtobufWriter()
        for one in series {
            message.message(1) { s in
                for label in one.labels { RemoteWriteEncoder.writeLabel(label, field: 1, into: &s) }
                for chunk in one.chunks {
                    s.message(2) { c in
                        c.int64Field(1, chunk.minTimeMs)
                        c.int64Field(2, chunk.maxTimeMs)
                        c.varintField(3, UInt64(bitPattern: Int64(chunk.encoding.rawValue)))
                        c.bytesField(4, chunk.data)
                    }
                }
            }
        }
        message.int64Field(2, queryIndex)
        var frame = ProtobufWriter(out)
        out = []
        frame.varint(UInt64(message.bytes.count))
        let crc = CRC32C.checksum(message.bytes)
        frame.bytes.append(contentsOf: [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: crc >> $0) })
        frame.bytes.append(contentsOf: message.bytes)
        out = frame.bytes
    }

    /// Reads the frame at `offset` in a streamed response and advances `offset` past it.
    /// Returns `nil` at the end of `body`.
    /// - Throws: `ExpositionError.malformedProtobuf` for a truncated frame, a message larger
    ///   than `limitBytes`, a checksum mismatch, or a message that is not a `ChunkedReadResponse`.
    package static func nextFrame(
        in body: [UInt8], offset: inout Int, limitBytes: Int = 50_000_000
    ) throws(ExpositionError) -> ChunkedReadFrame? {
        guard offset < body.count else { return nil }
        return try body.withUnsafeBytes { raw in
            Result { () throws(ExpositionError) -> ChunkedReadFrame in
                let start = offset
                var reader = ProtobufReader(raw).reader(for: offset..<raw.count)
                let length = try reader.varint()
                guard length <= UInt64(limitBytes) else {
                    throw .malformedProtobuf(
                        "chunked read message of \(length) bytes exceeds the limit of \(limitBytes) bytes", offset: start)
                }
                let crcAt = reader.offset
                guard body.count - crcAt >= 4 + Int(length) else {
                    throw .malformedProtobuf("truncated chunked read frame", offset: start)
                }
                let expected = body[crcAt..<(crcAt + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                let messageRange = (crcAt + 4)..<(crcAt + 4 + Int(length))
                guard CRC32C.checksum(body[messageRange]) == expected else {
                    throw .malformedProtobuf("chunked read frame checksum mismatch", offset: start)
                }
                var message = reader.reader(for: messageRange)
                let frame = try ChunkedReadFrame(&message)
                offset = messageRange.upperBound
                return frame
            }
        }.get()
    }
}

/// The encoding of a remote-read chunk (`Chunk.Encoding`, matching the TSDB's chunk encodings).
package enum ChunkEncoding: Int32, Sendable, Equatable {
    case unknown = 0
    case xor = 1
    case histogram = 2
    case floatHistogram = 3
    case xor2 = 4
    case histogramST = 5
    case floatHistogramST = 6
}

/// One chunk of a series in a streamed remote-read response.
package struct ReadChunk: Sendable, Equatable {
    /// Time of the first sample in milliseconds.
    package var minTimeMs: Int64
    /// Time of the last sample in milliseconds.
    package var maxTimeMs: Int64
    /// The chunk's encoding.
    package var encoding: ChunkEncoding
    /// The encoded chunk, as the TSDB stores it.
    package var data: [UInt8]

    /// Creates a chunk.
    package init(minTimeMs: Int64, maxTimeMs: Int64, encoding: ChunkEncoding, data: [UInt8]) {
        self.minTimeMs = minTimeMs
        self.maxTimeMs = maxTimeMs
        self.encoding = encoding
        self.data = data
    }
}

/// A series with its chunks (`ChunkedSeries`).
package struct ChunkedSeries: Sendable, Equatable {
    /// The series' labels.
    package var labels: Labels
    /// Its chunks, in start-time order.
    package var chunks: [ReadChunk]

    /// Creates a chunked series.
    package init(labels: Labels, chunks: [ReadChunk]) {
        self.labels = labels
        self.chunks = chunks
    }
}

/// One decoded `ChunkedReadResponse` frame.
package struct ChunkedReadFrame: Sendable, Equatable {
    /// The series of the frame.
    package var series: [ChunkedSeries] = []
    /// The index of the query in the request they answer.
    package var queryIndex: Int64 = 0

    init(_ reader: inout ProtobufReader) throws(ExpositionError) {
        var builder = LabelsBuilder()
        while reader.hasMore {
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .lengthDelimited):
                var seriesReader = reader.reader(for: try reader.lengthDelimited())
                var chunks: [ReadChunk] = []
                builder.reset()
                while seriesReader.hasMore {
                    let (field, wireType) = try seriesReader.tag()
                    switch (field, wireType) {
                    case (1, .lengthDelimited):
                        var labelReader = seriesReader.reader(for: try seriesReader.lengthDelimited())
                        let (label, _) = try RemoteWriteDecoder.decodeLabel(&labelReader)
                        builder.set(label.name, label.value)
                    case (2, .lengthDelimited):
                        var chunkReader = seriesReader.reader(for: try seriesReader.lengthDelimited())
                        chunks.append(try Self.decodeChunk(&chunkReader))
                    default:
                        try seriesReader.skip(wireType, field: field)
                    }
                }
                series.append(ChunkedSeries(labels: builder.labels(), chunks: chunks))
            case (2, .varint):
                queryIndex = Int64(bitPattern: try reader.varint())
            default:
                try reader.skip(wireType, field: field)
            }
        }
    }

    private static func decodeChunk(_ reader: inout ProtobufReader) throws(ExpositionError) -> ReadChunk {
        var chunk = ReadChunk(minTimeMs: 0, maxTimeMs: 0, encoding: .unknown, data: [])
        while reader.hasMore {
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .varint): chunk.minTimeMs = Int64(bitPattern: try reader.varint())
            case (2, .varint): chunk.maxTimeMs = Int64(bitPattern: try reader.varint())
            case (3, .varint): chunk.encoding = ChunkEncoding(rawValue: Int32(truncatingIfNeeded: try reader.varint())) ?? .unknown
            case (4, .lengthDelimited): chunk.data = Array(reader.bytes(try reader.lengthDelimited()))
            default: try reader.skip(wireType, field: field)
            }
        }
        return chunk
    }
}
