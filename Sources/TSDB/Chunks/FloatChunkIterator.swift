/// What code generic over the float chunk encodings needs of their iterators
/// (`XORIterator`, `XOR2Iterator`).
protocol FloatChunkIterator {
    /// Starts over on the chunk stored in `bytes[range]`.
    mutating func reset(bytes: [UInt8], range: Range<Int>)
    /// Advances to the next sample; `false` at the end or on error.
    mutating func next() -> Bool
    /// The current sample's timestamp.
    var timestamp: Int64 { get }
    /// The current sample's value.
    var value: Double { get }
    /// The current sample's start timestamp, 0 when unknown.
    var startTimestamp: Int64 { get }
    /// Why iteration stopped early, if it did.
    var error: TSDBError? { get }
}

extension XORIterator: FloatChunkIterator {
    /// XOR chunks store no start timestamps.
    var startTimestamp: Int64 { 0 }
}

extension XOR2Iterator: FloatChunkIterator {}
