import CXXHash
package import Model
import Synchronization

/// The label sets of recent remote-write 1.0 series, keyed by the exact bytes their `Label`
/// fields had on the wire: a sender repeats every series' labels in every request, so a series
/// seen before skips decoding, UTF-8 checks, ordering checks and building its `Labels`.
///
/// Keys are the 128-bit XXH3 hash of the label fields' bytes (tag, length and payload, in wire
/// order). Identical bytes decode to identical labels with identical validation, so only label
/// sets that passed are stored; a different order or encoding of the same labels is simply a
/// miss. Two generations of at most `capacity` entries each bound the memory: when the current
/// one fills up it becomes the previous one, and entries found there move back.
package final class RemoteWriteLabelsCache: Sendable {
    /// The 128-bit hash of a series' label fields.
    package struct Key: Hashable, Sendable {
        let low: UInt64
        let high: UInt64
    }

    /// The decoder options the stored label sets were checked under; a decoder with other
    /// checks must not use this cache.
    package let options: RemoteWriteDecoder.Options
    /// The most entries per generation.
    package let capacity: Int

    private struct Generations {
        var current: [Key: Labels] = [:]
        var previous: [Key: Labels] = [:]
    }

    private let generations = Mutex(Generations())

    /// A cache for decoders with `options`, holding at most `2 × capacity` label sets.
    package init(options: RemoteWriteDecoder.Options, capacity: Int = 1 << 18) {
        precondition(capacity > 0, "a labels cache needs room for one entry")
        var checks = options
        checks.skipsInvalidSeries = false  // what happens to invalid series does not change the labels
        self.options = checks
        self.capacity = capacity
    }

    /// The key of the label fields at `ranges` of `body`.
    static func key(of ranges: [Range<Int>], in reader: ProtobufReader) -> Key {
        if ranges.count == 1 || ranges.indices.dropFirst().allSatisfy({ ranges[$0].lowerBound == ranges[$0 - 1].upperBound }),
           let first = ranges.first, let last = ranges.last {
            return key(of: reader.bytes(first.lowerBound..<last.upperBound))
        }
        var staged: [UInt8] = []
        for range in ranges { staged.append(contentsOf: reader.bytes(range)) }
        return staged.withUnsafeBytes { key(of: $0) }
    }

    private static func key(of bytes: UnsafeRawBufferPointer) -> Key {
        let hash = XXH3_128bits(bytes.baseAddress, bytes.count)
        return Key(low: hash.low64, high: hash.high64)
    }

    /// The label set stored under `key`, if any.
    func labels(for key: Key) -> Labels? {
        generations.withLock { state in
            if let labels = state.current[key] { return labels }
            guard let labels = state.previous.removeValue(forKey: key) else { return nil }
            Self.insert(labels, for: key, into: &state, capacity: capacity)
            return labels
        }
    }

    /// Stores a label set that decoded and passed the checks of `options`.
    func insert(_ labels: Labels, for key: Key) {
        generations.withLock { Self.insert(labels, for: key, into: &$0, capacity: capacity) }
    }

    private static func insert(_ labels: Labels, for key: Key, into state: inout Generations, capacity: Int) {
        if state.current.count >= capacity {
            state.previous = state.current
            state.current = [:]
        }
        state.current[key] = labels
    }

    /// How many label sets are stored (both generations).
    package var count: Int {
        generations.withLock { $0.current.count + $0.previous.count }
    }
}
