import Model

/// A loop's memory between scrapes (upstream's `scrapeCache`): the series text as the target
/// wrote it → final labels and the sink's ref, so a steady scrape neither re-parses labels nor
/// relabels nor looks series up by labels; and the series of the previous and current scrape,
/// whose difference gets staleness markers.
struct ScrapeCache {
    struct Entry {
        /// The series as written (`MetricsParser.withSeriesKey`), to tell hash collisions apart.
        var key: [UInt8]
        /// Labels after target labels and metric relabeling; empty when relabeling dropped it.
        var labels: Labels
        var ref: UInt64
        var lastSeenScrape: UInt64
    }

    /// Entries not seen for this many scrapes are forgotten (upstream forgets after 10).
    static let forgetAfterScrapes: UInt64 = 10

    private var entries: [Int: Entry] = [:]
    /// Series (with the ref last used) appended by the previous and the current scrape.
    private(set) var previous: [Labels: UInt64] = [:]
    private(set) var current: [Labels: UInt64] = [:]
    private var scrape: UInt64 = 0

    /// The hash under which a series key is cached.
    static func slot(of key: UnsafeRawBufferPointer) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: key)
        return hasher.finalize()
    }

    /// The cached entry for `key`, marked as seen in this scrape; nil on a miss or a collision.
    mutating func lookup(_ key: UnsafeRawBufferPointer, slot: Int) -> Entry? {
        guard let index = entries.index(forKey: slot) else { return nil }
        let matches = entries.values[index].key.withUnsafeBytes { $0.elementsEqual(key) }
        guard matches else { return nil }
        entries.values[index].lastSeenScrape = scrape
        return entries.values[index]
    }

    /// Caches a series seen for the first time (or one whose slot another series held).
    mutating func insert(_ key: UnsafeRawBufferPointer, slot: Int, labels: Labels, ref: UInt64) {
        entries[slot] = Entry(key: Array(key), labels: labels, ref: ref, lastSeenScrape: scrape)
    }

    /// Remembers the ref the sink gave a cached series.
    mutating func update(slot: Int, ref: UInt64) {
        entries[slot]?.ref = ref
    }

    /// Notes that this scrape appended `labels`, so the next one can tell if it disappeared.
    mutating func trackStaleness(_ labels: Labels, ref: UInt64) {
        current[labels] = ref
    }

    /// Takes `series` as the previous scrape's (another loop's, see `ScrapeWriter.continueFrom`).
    mutating func continueFrom(_ series: [Labels: UInt64]) {
        previous = series
    }

    /// Forgets what the current scrape appended: its batch was rolled back, so every series of
    /// the previous scrape is now stale.
    mutating func abandonCurrent() {
        current.removeAll(keepingCapacity: true)
    }

    /// Calls `body` for each series of the previous scrape missing from the current one.
    func forEachStale(_ body: (Labels, UInt64) -> Void) {
        for (labels, ref) in previous where current[labels] == nil { body(labels, ref) }
    }

    /// Ends a scrape: the current series become the previous ones, and entries unseen for a
    /// while are dropped so series churn does not grow the cache forever.
    mutating func finishScrape() {
        swap(&previous, &current)
        current.removeAll(keepingCapacity: true)
        if scrape % Self.forgetAfterScrapes == 0 {
            let scrape = self.scrape
            entries = entries.filter { scrape - $0.value.lastSeenScrape <= Self.forgetAfterScrapes }
        }
        scrape += 1
    }
}
