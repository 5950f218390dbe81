import Model
import Synchronization

/// The head's series map, split into stripes each behind its own `Mutex` so appends to
/// different series rarely contend (upstream's `stripeSeries` in `tsdb/head.go`).
///
/// Two views: by reference (`refStripes`, stripe = ref mod count) and by label hash
/// (`hashStripes`, stripe = hash mod count), the latter a list per hash to survive xxHash
/// collisions. Lock order: hash stripe, then ref stripe, then the postings index.
final class SeriesStripes: Sendable {
    final class RefStripe: Sendable {
        let series: Mutex<SeriesSlots>

        init(shift: Int, stripe: Int) {
            series = Mutex(SeriesSlots(shift: shift, stripe: stripe))
        }
    }

    final class HashStripe: Sendable {
        let refs = Mutex(HashRefs())
    }

    /// Series refs by label hash: one per hash in `first`, the others with the same hash (an
    /// xxHash collision) in `collisions`. Labels are compared through the series, so nothing
    /// per series is allocated here.
    struct HashRefs {
        var first: [UInt64: SeriesRef] = [:]
        var collisions: [UInt64: [SeriesRef]] = [:]

        /// The ref with `hash` for which `matches` holds.
        func ref(_ hash: UInt64, where matches: (SeriesRef) -> Bool) -> SeriesRef? {
            guard let ref = first[hash] else { return nil }
            return matches(ref) ? ref : collisions[hash]?.first(where: matches)
        }

        mutating func add(_ ref: SeriesRef, _ hash: UInt64) {
            if first[hash] == nil { first[hash] = ref } else { collisions[hash, default: []].append(ref) }
        }

        mutating func remove(_ ref: SeriesRef, _ hash: UInt64) {
            if first[hash] == ref {
                first[hash] = collisions[hash]?.first
                collisions[hash]?.removeFirst()
            } else {
                collisions[hash]?.removeAll { $0 == ref }
            }
            if collisions[hash]?.isEmpty == true { collisions[hash] = nil }
        }
    }

    let refStripes: [RefStripe]
    let hashStripes: [HashStripe]
    /// `refStripes.count - 1`: the count is a power of two, so a ref's stripe is `ref & mask`.
    let mask: UInt64
    private let nextRef = Atomic<UInt64>(1)

    /// Stripes for `count` rounded up to a power of two.
    init(count: Int) {
        precondition(count > 0, "BUG: stripe count \(count)")
        var rounded = 1
        while rounded < count { rounded <<= 1 }
        mask = UInt64(rounded - 1)
        refStripes = (0..<rounded).map { RefStripe(shift: rounded.trailingZeroBitCount, stripe: $0) }
        hashStripes = (0..<rounded).map { _ in HashStripe() }
    }

    /// The index of `ref`'s stripe in `refStripes`.
    @inline(__always)
    func stripeIndex(of ref: SeriesRef) -> Int {
        Int(truncatingIfNeeded: ref.rawValue & mask)
    }

    func stripe(for ref: SeriesRef) -> RefStripe {
        refStripes[stripeIndex(of: ref)]
    }

    /// Runs `body` on the series `ref` under its stripe's lock; `nil` if there is none.
    /// `body` must not let the series escape.
    func withSeries<R: Sendable>(_ ref: SeriesRef, _ body: (MemSeries) -> R) -> R? {
        stripe(for: ref).series.withLock { map in map[ref].map(body) }
    }

    /// The series with `labels`, created (with a new ref, or `ref` during WAL replay) if absent.
    /// `onCreate` runs under the hash stripe's lock, so the index sees each series once.
    /// `hash` overrides `labels.hash` (tests use it to force collisions).
    func getOrCreate(_ labels: Labels, ref wanted: SeriesRef? = nil, hash: UInt64? = nil, onCreate: (SeriesRef) -> Void)
        -> (ref: SeriesRef, created: Bool)
    {
        let hash = hash ?? labels.hash
        let stripe = hashStripes[Int(truncatingIfNeeded: hash & mask)]
        return stripe.refs.withLock { map in
            if let existing = map.ref(hash, where: { ref in self.stripe(for: ref).series.withLock { $0[ref]?.labels == labels } }) {
                return (existing, false)
            }
            let ref: SeriesRef
            if let wanted, acceptsReplayed(wanted) {
                ref = wanted
                // Later refs must not collide with replayed ones.
                var current = nextRef.load(ordering: .relaxed)
                while current <= wanted.rawValue {
                    let (exchanged, original) = nextRef.compareExchange(
                        expected: current, desired: wanted.rawValue &+ 1, ordering: .relaxed)
                    if exchanged { break }
                    current = original
                }
            } else {
                // New, or a replayed ref already taken by other labels (a damaged WAL): the
                // caller maps the WAL's ref to this one.
                ref = SeriesRef(rawValue: nextRef.wrappingAdd(1, ordering: .relaxed).oldValue)
            }
            self.stripe(for: ref).series.withLock { $0.insert(MemSeries(labels: labels), at: ref) }
            map.add(ref, hash)
            onCreate(ref)
            return (ref, true)
        }
    }

    /// Whether replay may give a series the ref the WAL names: it is free, and neither it
    /// nor the refs handed out after it would open a long run of empty slots (a damaged or
    /// foreign WAL's ref far off gets a new one instead; replay maps the old one to it).
    private func acceptsReplayed(_ wanted: SeriesRef) -> Bool {
        let next = nextRef.load(ordering: .relaxed)
        let reach = UInt64(refStripes.count) &* SeriesSlots.maxGap
        guard wanted.rawValue < UInt64.max / 2, next == 1 || wanted.rawValue <= next &+ reach else { return false }
        return stripe(for: wanted).series.withLock { $0.accepts(wanted) }
    }

    /// The labels of `ref`, if it exists.
    func labels(of ref: SeriesRef) -> Labels? {
        stripe(for: ref).series.withLock { $0[ref]?.labels }
    }

    /// The number of series.
    var count: Int {
        refStripes.reduce(0) { total, stripe in total + stripe.series.withLock { $0.count } }
    }
}
