package import Exposition

/// Turns a `RemoteWriteBatch` into a stream record payload and back.
///
/// A payload is one format byte followed by the body. Format 1: a Remote-Write 2.0
/// `io.prometheus.write.v2.Request` (series, samples, histograms, exemplars, per-series
/// metadata; a symbol table so each label string is written once), compressed as one zstd
/// frame. Format 2: a chained record (`ChainedRecordFormat`), which decodes only after the
/// records of its chain before it, so a codec that reads one keeps the chains it has seen.
/// See docs/stream.md.
package struct StreamRecordCodec: Sendable {
    /// The format byte of Remote-Write 2.0 protobuf in a zstd frame.
    static let formatRemoteWriteV2Zstd: UInt8 = 1

    /// The largest decompressed body accepted: a guard against a frame that claims more.
    package var maxDecodedBytes: Int

    private var encoder = RemoteWriteEncoder()
    private var decoder = RemoteWriteDecoder()
    private var chains = ChainedRecordDecoder()
    private var scratch: [UInt8] = []

    /// Creates a codec. Reuse it: the symbol table and buffers keep their capacity.
    /// - Parameter maxDecodedBytes: the largest decompressed body `decode` accepts (64 MiB).
    package init(maxDecodedBytes: Int = 64 << 20) {
        self.maxDecodedBytes = maxDecodedBytes
    }

    /// The payload for `batch`. Family metadata (remote write 1.0) is not carried: attach it
    /// per series (`RemoteWriteBatch.seriesMetadata`) first, as `StreamPartitioner.split` does.
    package mutating func encode(_ batch: RemoteWriteBatch) -> [UInt8] {
        scratch.removeAll(keepingCapacity: true)
        encoder.encode(batch, version: .v2, into: &scratch)
        var out: [UInt8] = [Self.formatRemoteWriteV2Zstd]
        out.reserveCapacity(scratch.count / 4 + 64)
        scratch.withUnsafeBytes { Zstd.compress($0, into: &out) }
        return out
    }

    /// Decodes `payload`, the record at `offset`, into `batch`, replacing its content.
    /// - Throws: `StreamError.malformedPayload` for an unknown format, a bad frame or a body that
    ///   is not a valid request (wrapping the decoder's message); `.recordTooLarge` past
    ///   `maxDecodedBytes`; `.chainBroken` for a chained record whose chain cannot be followed.
    package mutating func decode(_ payload: [UInt8], offset: Int64, into batch: inout RemoteWriteBatch) throws(StreamError) {
        guard let format = payload.first else { throw .malformedPayload("empty payload") }
        guard format == Self.formatRemoteWriteV2Zstd || format == ChainedRecordFormat.formatByte else {
            throw .malformedPayload("unknown payload format \(format); this version reads formats \(Self.formatRemoteWriteV2Zstd) and \(ChainedRecordFormat.formatByte)")
        }
        let limit = maxDecodedBytes
        let body = try payload.withUnsafeBytes { raw in
            Result { () throws(StreamError) in
                try Zstd.decompress(UnsafeRawBufferPointer(rebasing: raw.dropFirst()), limitBytes: limit)
            }
        }.get()
        if format == ChainedRecordFormat.formatByte {
            return try body.withUnsafeBytes { raw in
                Result { () throws(StreamError) in try chains.decode(raw, offset: offset, into: &batch) }
            }.get()
        }
        do {
            try decoder.decode(body, version: .v2, into: &batch)
        } catch {
            throw .malformedPayload(String(describing: error))
        }
    }

    /// Where a reader that has processed every record before `next` starts again after a
    /// restart so that it can follow every chain that may still grow (`next` when none).
    package mutating func resumeOffset(next: Int64) -> Int64 {
        chains.resumeOffset(next: next)
    }
}
