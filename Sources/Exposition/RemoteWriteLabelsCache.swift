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
    package struct Key: Equatable, Sendable {
        let low: UInt64
        let high: UInt64
    }

    /// The decoder options the stored label sets were checked under; a decoder with other
    /// checks must not use this cache.
    package let options: RemoteWriteDecoder.Options
    /// The most entries per generation.
    package let capacity: Int

    private struct Generations {
        var current = KeyTable()
        var previous = KeyTable()
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
            if let labels = state.current.find(key) { return labels }
            guard let labels = state.previous.find(key) else { return nil }
            Self.insert(labels, for: key, into: &state, capacity: capacity)
            return labels
        }
    }

    /// Stores a label set that decoded and passed the checks of `options`.
    func insert(_ labels: Labels, for key: Key) {
        generations.withLock { Self.insert(labels, for: key, into: &$0, capacity: capacity) }
    }

    /// Puts `labels` in the current generation; a full one becomes the previous generation
    /// (dropping the one before). An entry moved back from the previous generation stays
    /// there too until that generation is dropped.
    private static func insert(_ labels: Labels, for key: Key, into state: inout Generations, capacity: Int) {
        if state.current.count >= capacity {
            state.previous = state.current
            state.current = KeyTable()
        }
        state.current.insert(labels, for: key)
    }

    /// How many label sets are stored (both generations).
    package var count: Int {
        generations.withLock { $0.current.count + $0.previous.count }
    }
}

/// An open-addressing hash table from `RemoteWriteLabelsCache.Key` to `Labels` with linear
/// probing. The keys are already uniform hashes, so a key's low bits pick its slot: no
/// `Hasher` rounds per lookup. Grows by doubling at half full; has no removal (the cache drops
/// whole generations).
private struct KeyTable {
    private var keys: [RemoteWriteLabelsCache.Key] = []
    private var values: [Labels?] = []
    private(set) var count = 0

    func find(_ key: RemoteWriteLabelsCache.Key) -> Labels? {
        guard !keys.isEmpty else { return nil }
        let mask = keys.count - 1
        var slot = Int(truncatingIfNeeded: key.low) & mask
        while let labels = values[slot] {
            if keys[slot] == key { return labels }
            slot = (slot + 1) & mask
        }
        return nil
    }

    mutating func insert(_ labels: Labels, for key: RemoteWriteLabelsCache.Key) {
        if (count + 1) * 2 > keys.count { grow() }
        let mask = keys.count - 1
        var slot = Int(truncatingIfNeeded: key.low) & mask
        while values[slot] != nil {
            if keys[slot] == key {
                values[slot] = labels
                return
            }
            slot = (slot + 1) & mask
        }
        keys[slot] = key
        values[slot] = labels
        count += 1
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        let slots = Swift.max(1024, keys.count * 2)
        keys = Array(repeating: RemoteWriteLabelsCache.Key(low: 0, high: 0), count: slots)
        values = Array(repeating: nil, count: slots)
        count = 0
        for index in oldKeys.indices {
            if let labels = oldValues[index] { insert(labels, for: oldKeys[index]) }
        }
    }
}
