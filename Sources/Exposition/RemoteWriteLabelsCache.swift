import CXXHash
package import Model
import Synchronization

/// The label sets of recent remote-write series, keyed by the exact bytes their labels had on
/// the wire: a sender repeats every series' labels in every request, so a series seen before
/// skips decoding, UTF-8 checks, ordering checks and building its `Labels`.
///
/// Keys are the 128-bit XXH3 hash of the labels' bytes: for 1.0 the `Label` fields (tag, length
/// and payload, in wire order); for 2.0 the referenced symbols' bytes, each after its length,
/// in reference order (symbol numbers differ between requests, the texts do not). Identical
/// bytes decode to identical labels with identical validation, so only label
/// sets that passed are stored; a different order or encoding of the same labels is simply a
/// miss. Two generations of at most `capacity` entries each bound the memory: when the current
/// one fills up it becomes the previous one, and entries found there move back.
///
/// Each entry also keeps its series' reference in the storage the receiver appends to, so a
/// known series is appended by reference, with no lookup by labels (`RemoteWriteCachedSeries`).
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
    /// The storage the entries' references belong to, and its epoch (see `refEpoch(for:)`).
    private let refOwner = Mutex<(owner: ObjectIdentifier?, epoch: UInt64)>((nil, 0))

    /// A cache for decoders with `options`, holding at most `2 × capacity` label sets.
    package init(options: RemoteWriteDecoder.Options, capacity: Int = 1 << 18) {
        precondition(capacity > 0, "a labels cache needs room for one entry")
        var checks = options
        checks.skipsInvalidSeries = false  // what happens to invalid series does not change the labels
        self.options = checks
        self.capacity = capacity
    }

    /// The key of label fields written back to back at `range` of `body`.
    static func key(ofRun range: Range<Int>, in reader: ProtobufReader) -> Key {
        key(of: reader.bytes(range))
    }

    /// The key of the label fields at `ranges` of `body`.
    static func key(of ranges: [Range<Int>], in reader: ProtobufReader) -> Key {
        if ranges.count == 1 || ranges.indices.dropFirst().allSatisfy({ ranges[$0].lowerBound == ranges[$0 - 1].upperBound }),
           let first = ranges.first, let last = ranges.last {
            return key(of: reader.bytes(first.lowerBound..<last.upperBound))
        }
        var staged: [UInt8] = []
        for range in ranges { staged.append(contentsOf: reader.bytes(range)) }
        return key(of: staged)
    }

    /// The key of `bytes`.
    static func key(of bytes: [UInt8]) -> Key {
        bytes.withUnsafeBytes { key(of: $0) }
    }

    private static func key(of bytes: UnsafeRawBufferPointer) -> Key {
        let hash = XXH3_128bits(bytes.baseAddress, bytes.count)
        return Key(low: hash.low64, high: hash.high64)
    }

    /// The entry stored under `key`, if any.
    func series(for key: Key) -> RemoteWriteCachedSeries? {
        generations.withLock { state in
            if let series = state.current.find(key) { return series }
            guard let series = state.previous.find(key) else { return nil }
            Self.insert(series, for: key, into: &state, capacity: capacity)
            return series
        }
    }

    /// Stores a label set that decoded and passed the checks of `options`; returns its entry.
    @discardableResult
    func insert(_ labels: Labels, for key: Key) -> RemoteWriteCachedSeries {
        let series = RemoteWriteCachedSeries(labels: labels)
        generations.withLock { Self.insert(series, for: key, into: &$0, capacity: capacity) }
        return series
    }

    /// Puts `series` in the current generation; a full one becomes the previous generation
    /// (dropping the one before). An entry moved back from the previous generation stays
    /// there too until that generation is dropped.
    private static func insert(
        _ series: RemoteWriteCachedSeries, for key: Key, into state: inout Generations, capacity: Int
    ) {
        if state.current.count >= capacity {
            state.previous = state.current
            state.current = KeyTable()
        }
        state.current.insert(series, for: key)
    }

    /// The epoch under which references into `storage` are kept in the entries. A storage
    /// other than the last one asked about starts a new epoch, so references handed out by
    /// another storage are never used. `nil` for a storage that is not a class instance (it
    /// has no identity to tie references to): then none are kept.
    package func refEpoch(for storage: any Sendable) -> UInt64? {
        guard type(of: storage) is AnyClass else { return nil }
        let owner = ObjectIdentifier(storage as AnyObject)
        return refOwner.withLock { state in
            if state.owner != owner {
                state.owner = owner
                state.epoch = state.epoch % RemoteWriteCachedSeries.maxEpoch + 1
            }
            return state.epoch
        }
    }

    /// How many label sets are stored (both generations).
    package var count: Int {
        generations.withLock { $0.current.count + $0.previous.count }
    }
}

/// An open-addressing hash table from `RemoteWriteLabelsCache.Key` to entries with linear
/// probing. The keys are already uniform hashes, so a key's low bits pick its slot: no
/// `Hasher` rounds per lookup. Grows by doubling at half full; has no removal (the cache drops
/// whole generations). A slot holds its key and entry together, so a lookup touches one cache
/// line, not two.
private struct KeyTable {
    private struct Slot {
        var key: RemoteWriteLabelsCache.Key
        var series: RemoteWriteCachedSeries?
    }

    private var slots: [Slot] = []
    private(set) var count = 0

    func find(_ key: RemoteWriteLabelsCache.Key) -> RemoteWriteCachedSeries? {
        guard !slots.isEmpty else { return nil }
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: key.low) & mask
        while let series = slots[index].series {
            if slots[index].key == key { return series }
            index = (index + 1) & mask
        }
        return nil
    }

    mutating func insert(_ series: RemoteWriteCachedSeries, for key: RemoteWriteLabelsCache.Key) {
        if (count + 1) * 2 > slots.count { grow() }
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: key.low) & mask
        while slots[index].series != nil {
            if slots[index].key == key {
                slots[index].series = series
                return
            }
            index = (index + 1) & mask
        }
        slots[index] = Slot(key: key, series: series)
        count += 1
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(key: RemoteWriteLabelsCache.Key(low: 0, high: 0), series: nil), count: Swift.max(1024, old.count * 2))
        count = 0
        for slot in old {
            if let series = slot.series { insert(series, for: slot.key) }
        }
    }
}
