package import Exposition

/// Turns a `RemoteWriteBatch` into a stream record payload and back.
///
/// A payload is one format byte followed by the body. Format 1: a Remote-Write 2.0
/// `io.prometheus.write.v2.Request` (series, samples, histograms, exemplars, per-series
/// metadata; a symbol table so each label string is written once), compressed as one zstd
/// frame. The format byte lets a later encoding be read next to this one. See docs/stream.md.
package struct StreamRecordCodec: Sendable {
    /// The format byte of Remote-Write 2.0 protobuf in a zstd frame.
    static let formatRemoteWriteV2Zstd: UInt8 = 1

    /// The largest decompressed body accepted: a guard against a frame that claims more.
    package var maxDecodedBytes: Int

    private var encoder = RemoteWriteEncoder()
    private var decoder = RemoteWriteDecoder()
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

    /// Decodes `payload` into `batch`, replacing its content.
    /// - Throws: `StreamError.malformedPayload` for an unknown format, a bad frame or a body that
    ///   is not a valid request (wrapping the decoder's message); `.recordTooLarge` past
    ///   `maxDecodedBytes`.
    package mutating func decode(_ payload: [UInt8], into batch: inout RemoteWriteBatch) throws(StreamError) {
        guard let format = payload.first else { throw .malformedPayload("empty payload") }
        guard format == Self.formatRemoteWriteV2Zstd else {
            throw .malformedPayload("unknown payload format \(format); this version reads format \(Self.formatRemoteWriteV2Zstd)")
        }
        let limit = maxDecodedBytes
        let body = try payload.withUnsafeBytes { raw in
            Result { () throws(StreamError) in
                try Zstd.decompress(UnsafeRawBufferPointer(rebasing: raw.dropFirst()), limitBytes: limit)
            }
        }.get()
        do {
            try decoder.decode(body, version: .v2, into: &batch)
        } catch {
            throw .malformedPayload(String(describing: error))
        }
    }
}
