/// How a chunk's samples are encoded: the encoding byte of Prometheus's
/// `tsdb/chunkenc/chunk.go` (`EncXOR = 1`, `EncHistogram = 2`, `EncFloatHistogram = 3`,
/// `EncXOR2 = 4`), written before every chunk in chunk segment files.
///
/// Only float samples exist so far; the histogram encodings slot in as new cases.
package enum ChunkEncoding: UInt8, Sendable, CaseIterable {
    /// Gorilla-style XOR encoding of float samples (`XORChunk`).
    case xor = 1
    /// XOR encoding with start timestamps (`XOR2Chunk`), used with `--enable-feature=st-storage`.
    case xor2 = 4
}
