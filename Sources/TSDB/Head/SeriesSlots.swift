/// One lock stripe's series by reference: a dense array indexed by `ref >> shift` (the
/// stripe holds the refs whose low `shift` bits are `stripe`), since the head hands refs out
/// sequentially. A lookup is an index computation, not a hash; garbage-collected series
/// leave holes, and the run of holes at the front is given back once it is most of the array.
struct SeriesSlots {
    private let shift: UInt64
    private let stripe: UInt64
    /// `ref >> shift` of `slots[0]`.
    private var base: UInt64 = 0
    private var slots: [MemSeries?] = []
    /// The index of the first non-nil slot (`slots.count` when there is none).
    private var firstLive = 0
    /// The number of non-nil slots.
    private(set) var count = 0

    /// How many empty slots a new ref may open past the end (or before the start): more
    /// would let a damaged WAL's huge ref allocate without bound (see `accepts(_:)`).
    static let maxGap: UInt64 = 4096

    init(shift: Int, stripe: Int) {
        self.shift = UInt64(shift)
        self.stripe = UInt64(stripe)
    }

    /// Where `ref` lives in `slots`, or nil outside them.
    @inline(__always)
    private func index(of ref: SeriesRef) -> Int? {
        let position = ref.rawValue >> shift
        guard position >= base else { return nil }
        let i = position &- base
        return i < UInt64(slots.count) ? Int(i) : nil
    }

    /// The series `ref`, if held.
    subscript(ref: SeriesRef) -> MemSeries? {
        @inline(__always) get {
            guard let i = index(of: ref) else { return nil }
            return slots[i]
        }
    }

    /// Whether `ref` is free and close enough to the held range to be stored without opening
    /// a large run of holes (replay takes a WAL's refs only then; see `SeriesStripes`).
    func accepts(_ ref: SeriesRef) -> Bool {
        let position = ref.rawValue >> shift
        if let i = index(of: ref) { return slots[i] == nil }
        if slots.isEmpty { return true }
        if position < base { return base &- position <= Self.maxGap }
        return position &- (base &+ UInt64(slots.count)) <= Self.maxGap
    }

    /// Stores `series` at `ref` (which must be in this stripe and free).
    mutating func insert(_ series: MemSeries, at ref: SeriesRef) {
        precondition(ref.rawValue & ((1 << shift) - 1) == stripe, "BUG: ref \(ref) is not in stripe \(stripe)")
        let position = ref.rawValue >> shift
        if slots.isEmpty { base = position }
        if position < base {
            let added = Int(base &- position)
            slots.insert(contentsOf: repeatElement(nil, count: added), at: 0)
            firstLive += added
            base = position
        }
        let i = Int(position &- base)
        if i >= slots.count { slots.append(contentsOf: repeatElement(nil, count: i - slots.count + 1)) }
        precondition(slots[i] == nil, "BUG: ref \(ref) is taken")
        slots[i] = series
        firstLive = count == 0 ? i : min(firstLive, i)
        count += 1
    }

    /// Removes the series `ref`; returns whether there was one.
    @discardableResult
    mutating func remove(_ ref: SeriesRef) -> Bool {
        guard let i = index(of: ref), slots[i] != nil else { return false }
        slots[i] = nil
        count -= 1
        if count == 0 {
            slots.removeAll()
            firstLive = 0
        } else if i == firstLive {
            while slots[firstLive] == nil { firstLive += 1 }
            if firstLive >= slots.count / 2 {
                slots.removeFirst(firstLive)
                base &+= UInt64(firstLive)
                firstLive = 0
            }
        }
        return true
    }

    /// Every series with its ref, in ref order.
    var all: some Sequence<(ref: SeriesRef, series: MemSeries)> {
        let (base, shift, stripe) = (base, shift, stripe)
        return slots.enumerated().lazy.compactMap { i, series in
            series.map { (SeriesRef(rawValue: (base &+ UInt64(i)) << shift | stripe), $0) }
        }
    }

    /// Every series.
    var values: some Sequence<MemSeries> { slots.lazy.compactMap { $0 } }
}
