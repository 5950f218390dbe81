package import Model

/// Read access to stored series: the seam between storage and the PromQL engine.
///
/// The head (`Head.querier()`), blocks (`Block.querier()`), the database merging them
/// (`DB.querier(mint:maxt:)`) and the cluster's fan-out to ingesters implement it; the engine
/// codes against this protocol only.
///
/// Contract:
/// - `select` returns the series matching *all* matchers that have at least one sample in
///   `[mint, maxt]` (both inclusive, milliseconds), sorted by labels (`Labels.<`, as
///   Prometheus's `labels.Compare`). Matchers follow PromQL: an absent label matches as `""`.
/// - Samples are not decoded by `select`: each `Series` holds its chunks and decodes lazily
///   through a `SeriesIterator`, which yields only samples inside `[mint, maxt]`.
/// - A querier is a consistent snapshot: a batch committed after `select` returns is not
///   seen by the series it returned, and a batch is seen entirely or not at all.
/// - `Series` values are immutable and may outlive the querier and cross threads.
package protocol Querier: Sendable {
    /// The series matching every matcher with samples in `[mint, maxt]`, sorted by labels.
    /// `hints` say what the caller will do with them (`nil` when it does not say); a querier
    /// that cannot use them ignores them.
    ///
    /// - Throws: `TSDBError` when stored data cannot be read (never for "no match").
    func select(_ matchers: [Matcher], mint: Int64, maxt: Int64, hints: SelectHints?) throws(TSDBError) -> [Series]

    /// The newest sample in `[mint, maxt]` of each series `select` would return, sorted by
    /// labels; series without a sample there are left out. What `select` (given `hints`) and
    /// decoding would give, without decoding more than needed (the default does exactly that).
    ///
    /// - Throws: `TSDBError` when stored data cannot be read.
    func selectNewest(_ matchers: [Matcher], mint: Int64, maxt: Int64, hints: SelectHints?) throws(TSDBError) -> [NewestSample]

    /// The label names of the series matching `matchers` (of all series if empty), sorted.
    func labelNames(_ matchers: [Matcher]) throws(TSDBError) -> [String]

    /// The values of label `name` among the series matching `matchers` (all series if
    /// empty), sorted, without the empty value.
    func labelValues(_ name: String, _ matchers: [Matcher]) throws(TSDBError) -> [String]
}

extension Querier {
    /// The series matching every matcher with samples in `[mint, maxt]`, without hints.
    package func select(_ matchers: [Matcher], mint: Int64, maxt: Int64) throws(TSDBError) -> [Series] {
        try select(matchers, mint: mint, maxt: maxt, hints: nil)
    }

    /// The newest samples (`selectNewest`), without hints.
    package func selectNewest(_ matchers: [Matcher], mint: Int64, maxt: Int64) throws(TSDBError) -> [NewestSample] {
        try selectNewest(matchers, mint: mint, maxt: maxt, hints: nil)
    }
}

/// A chunk shared with a querier: encoded bytes (not copied) and the time span they cover.
package struct ChunkSnapshot: Sendable {
    /// How `bytes[range]` is encoded.
    package var encoding: ChunkEncoding
    /// The buffer holding the chunk; a block reader may pass a whole file here.
    package var bytes: [UInt8]
    /// Where the chunk's data (header included) lies in `bytes`.
    package var range: Range<Int>
    /// The first sample's timestamp.
    package var minTime: Int64
    /// The last sample's timestamp.
    package var maxTime: Int64

    /// Creates a snapshot of a chunk stored in `bytes[range]`.
    package init(encoding: ChunkEncoding, bytes: [UInt8], range: Range<Int>, minTime: Int64, maxTime: Int64) {
        self.encoding = encoding
        self.bytes = bytes
        self.range = range
        self.minTime = minTime
        self.maxTime = maxTime
    }
}

/// One selected series: its labels and its chunks in time order, restricted to the
/// querier's time range when iterated.
package struct Series: Sendable {
    /// The series' labels.
    package let labels: Labels
    /// The chunks overlapping the selected range, in time order, not overlapping each other.
    package let chunks: [ChunkSnapshot]
    /// The selected range; the iterator skips samples outside it.
    package let mint: Int64, maxt: Int64

    /// Creates a series view.
    package init(labels: Labels, chunks: [ChunkSnapshot], mint: Int64, maxt: Int64) {
        self.labels = labels
        self.chunks = chunks
        self.mint = mint
        self.maxt = maxt
    }

    /// A new iterator over the series' samples in `[mint, maxt]`.
    package func makeIterator() -> SeriesIterator {
        var iterator = SeriesIterator()
        iterator.reset(self)
        return iterator
    }
}

/// Decodes a `Series`' samples chunk by chunk, without allocating per sample.
///
/// `while it.next() { use(it.timestamp, it.value) }`, then check `error` once (sticky).
/// Reuse one iterator across series with `reset(_:)` to keep its buffers.
package struct SeriesIterator: Sendable {
    private var chunks: [ChunkSnapshot] = []
    private var index = 0
    private var inner = XORIterator()
    /// Decodes the current chunk when it is an XOR2 chunk (`withStartTimestamps`).
    private var innerWithStartTimestamps = XOR2Iterator()
    private var withStartTimestamps = false
    private var mint: Int64 = .min, maxt: Int64 = .max
    private var done = true

    /// The current sample's timestamp (valid after `next()` returned `true`).
    package private(set) var timestamp: Int64 = .min
    /// The current sample's value (valid after `next()` returned `true`).
    package private(set) var value: Double = 0
    /// The current sample's start timestamp, 0 when unknown (only XOR2 chunks store them).
    package private(set) var startTimestamp: Int64 = 0
    /// Why iteration stopped early, if it did: a chunk that did not decode.
    package private(set) var error: TSDBError?

    /// An iterator over nothing; call `reset(_:)`.
    package init() {}

    /// Starts over on `series`.
    package mutating func reset(_ series: Series) {
        chunks = series.chunks
        mint = series.mint
        maxt = series.maxt
        index = -1
        error = nil
        done = false
        timestamp = .min
        startTimestamp = 0
        advanceChunk()
    }

    private mutating func advanceChunk() {
        index += 1
        // Skip chunks entirely before the range; stop at the first one after it.
        while index < chunks.count, chunks[index].maxTime < mint { index += 1 }
        guard index < chunks.count, chunks[index].minTime <= maxt else {
            done = true
            return
        }
        let chunk = chunks[index]
        switch chunk.encoding {
        case .xor:
            withStartTimestamps = false
            inner.reset(bytes: chunk.bytes, range: chunk.range)
        case .xor2:
            withStartTimestamps = true
            innerWithStartTimestamps.reset(bytes: chunk.bytes, range: chunk.range)
        }
    }

    /// Advances to the next sample in range; `false` at the end or on error.
    package mutating func next() -> Bool {
        while !done {
            let t: Int64, v: Double, st: Int64
            if !withStartTimestamps {
                guard inner.next() else {
                    if stopped(by: inner.error) { return false }
                    continue
                }
                (t, v, st) = (inner.timestamp, inner.value, 0)
            } else {
                guard innerWithStartTimestamps.next() else {
                    if stopped(by: innerWithStartTimestamps.error) { return false }
                    continue
                }
                (t, v, st) = (innerWithStartTimestamps.timestamp, innerWithStartTimestamps.value,
                              innerWithStartTimestamps.startTimestamp)
            }
            if t < mint { continue }
            if t > maxt { done = true; return false }
            timestamp = t
            value = v
            startTimestamp = st
            return true
        }
        return false
    }

    /// At the end of a chunk: stops on its decoding error (`true`), else moves to the next chunk.
    private mutating func stopped(by failure: TSDBError?) -> Bool {
        if let failure {
            error = failure
            done = true
            return true
        }
        advanceChunk()
        return false
    }

    /// Appends every remaining sample to `timestamps` and `values` (without stale markers if
    /// `skippingStaleMarkers`), as a `next()` loop would; check `error` after. One call for a
    /// whole series: a caller in another module otherwise pays a call per sample.
    package mutating func appendRemaining(timestamps: inout [Int64], values: inout [Double], skippingStaleMarkers: Bool) {
        while next() {
            if skippingStaleMarkers, value.isStaleMarker { continue }
            timestamps.append(timestamp)
            values.append(value)
        }
    }

    /// `appendRemaining(timestamps:values:skippingStaleMarkers:)` that also appends each
    /// sample's start timestamp (0 when unknown) to `startTimestamps`.
    package mutating func appendRemaining(timestamps: inout [Int64], values: inout [Double], startTimestamps: inout [Int64],
                                          skippingStaleMarkers: Bool) {
        while next() {
            if skippingStaleMarkers, value.isStaleMarker { continue }
            timestamps.append(timestamp)
            values.append(value)
            startTimestamps.append(startTimestamp)
        }
    }

    /// Advances to the first sample at or after `t` (staying put if the current one is);
    /// `false` if there is none.
    package mutating func seek(to t: Int64) -> Bool {
        if !done, timestamp != .min, timestamp >= t { return true }
        // Skip whole chunks that end before `t` without decoding them.
        while !done, index + 1 < chunks.count, chunks[index].maxTime < t { advanceChunk() }
        while next() {
            if timestamp >= t { return true }
        }
        return false
    }
}
