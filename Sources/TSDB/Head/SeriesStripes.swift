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
        let series = Mutex<[SeriesRef: MemSeries]>([:])
    }

    final class HashStripe: Sendable {
        /// Series with this hash; more than one only on a hash collision.
        let refs = Mutex<[UInt64: [(labels: Labels, ref: SeriesRef)]]>([:])
    }

    let refStripes: [RefStripe]
    let hashStripes: [HashStripe]
    private let nextRef = Atomic<UInt64>(1)

    init(count: Int) {
        precondition(count > 0, "BUG: stripe count \(count)")
        refStripes = (0..<count).map { _ in RefStripe() }
        hashStripes = (0..<count).map { _ in HashStripe() }
    }

    func stripe(for ref: SeriesRef) -> RefStripe {
        refStripes[Int(ref.rawValue % UInt64(refStripes.count))]
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
        let stripe = hashStripes[Int(hash % UInt64(hashStripes.count))]
        return stripe.refs.withLock { map in
            if let existing = map[hash]?.first(where: { $0.labels == labels }) {
                return (existing.ref, false)
            }
            let ref: SeriesRef
            if let wanted, self.stripe(for: wanted).series.withLock({ $0[wanted] == nil }) {
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
            self.stripe(for: ref).series.withLock { $0[ref] = MemSeries(labels: labels) }
            map[hash, default: []].append((labels, ref))
            onCreate(ref)
            return (ref, true)
        }
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
