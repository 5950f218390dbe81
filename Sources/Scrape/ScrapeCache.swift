import Model

/// A loop's memory between scrapes (upstream's `scrapeCache`): the series text as the target
/// wrote it → final labels and the sink's ref, so a steady scrape neither re-parses labels nor
/// relabels nor looks series up by labels; and which series the previous and the current
/// scrape appended, whose difference gets staleness markers.
///
/// Entries are kept in a contiguous array in the order the target first wrote them. Targets
/// write their series in the same order every scrape, so the entry after the last one found
/// is tried first: a steady scrape finds each series by comparing its bytes with one entry,
/// without hashing. Other series are found through a hash of their text.
struct ScrapeCache {
    struct Entry {
        /// The series as written (`MetricsParser.withSeriesKey`).
        var key: [UInt8]
        /// Labels after target labels and metric relabeling; empty when relabeling dropped it.
        var labels: Labels
        var ref: UInt64
        var lastSeenScrape: UInt64
        /// Whether the previous and the current scrape appended a sample of the series.
        var inPrevious = false
        var inCurrent = false
    }

    /// Entries not seen for this many scrapes are forgotten (upstream forgets after 10).
    static let forgetAfterScrapes: UInt64 = 10

    private var entries: [Entry] = []
    /// Entry index by the hash of its key (on a hash collision, the newer entry).
    private var byHash: [Int: Int] = [:]
    /// The entry tried first for the next series: the one after the last found.
    private var cursor = 0
    /// The series another loop's last scrape appended (`continueFrom`), until this loop's
    /// first scrape ends.
    private var handedOver: [Labels: UInt64] = [:]
    private var scrape: UInt64 = 0

    /// The number of cached series.
    var count: Int { entries.count }

    /// The entry for `key`, marked as seen in this scrape; nil on a miss.
    mutating func find(_ key: UnsafeRawBufferPointer) -> Int? {
        var index = cursor
        if index >= entries.count || !entries[index].key.withUnsafeBytes({ $0.elementsEqual(key) }) {
            guard let found = byHash[Self.hash(key)],
                  entries[found].key.withUnsafeBytes({ $0.elementsEqual(key) }) else { return nil }
            index = found
        }
        entries[index].lastSeenScrape = scrape
        cursor = index + 1
        return index
    }

    /// Caches a series seen for the first time; returns its entry.
    mutating func insert(_ key: UnsafeRawBufferPointer, labels: Labels, ref: UInt64) -> Int {
        let index = entries.count
        entries.append(Entry(key: Array(key), labels: labels, ref: ref, lastSeenScrape: scrape))
        byHash[Self.hash(key)] = index
        cursor = index + 1
        return index
    }

    /// The labels of entry `index` (empty: metric relabeling dropped the series).
    func labels(at index: Int) -> Labels { entries[index].labels }

    /// The sink's ref of entry `index` (0 before the first append).
    func ref(at index: Int) -> UInt64 { entries[index].ref }

    /// Notes that this scrape appended entry `index` with `ref`, the ref the sink returned,
    /// so the next scrape can tell if the series disappeared.
    mutating func appended(_ index: Int, ref: UInt64, tracksStaleness: Bool) {
        entries[index].ref = ref
        if tracksStaleness { entries[index].inCurrent = true }
    }

    /// Takes `series` as the previous scrape's (another loop's, see `ScrapeWriter.continueFrom`).
    mutating func continueFrom(_ series: [Labels: UInt64]) {
        handedOver = series
    }

    /// Forgets what the current scrape appended: its batch was rolled back, so every series of
    /// the previous scrape is now stale.
    mutating func abandonCurrent() {
        for i in entries.indices where entries[i].inCurrent { entries[i].inCurrent = false }
    }

    /// Calls `body` for each series of the previous scrape missing from the current one.
    func forEachStale(_ body: (Labels, UInt64) -> Void) {
        for entry in entries where entry.inPrevious && !entry.inCurrent { body(entry.labels, entry.ref) }
        guard !handedOver.isEmpty else { return }
        let current = Set(entries.lazy.filter(\.inCurrent).map(\.labels))
        for (labels, ref) in handedOver where !current.contains(labels) { body(labels, ref) }
    }

    /// The series the last finished scrape appended, with their refs.
    var previous: [Labels: UInt64] {
        var out = handedOver
        for entry in entries where entry.inPrevious { out[entry.labels] = entry.ref }
        return out
    }

    /// Ends a scrape: the current series become the previous ones, and entries unseen for a
    /// while are dropped so series churn does not grow the cache forever.
    mutating func finishScrape() {
        for i in entries.indices {
            entries[i].inPrevious = entries[i].inCurrent
            entries[i].inCurrent = false
        }
        handedOver = [:]
        if scrape % Self.forgetAfterScrapes == 0 {
            let scrape = self.scrape
            let before = entries.count
            entries.removeAll { scrape - $0.lastSeenScrape > Self.forgetAfterScrapes }
            if entries.count != before {
                byHash.removeAll(keepingCapacity: true)
                for i in entries.indices { byHash[entries[i].key.withUnsafeBytes(Self.hash)] = i }
            }
        }
        cursor = 0
        scrape += 1
    }

    private static func hash(_ key: UnsafeRawBufferPointer) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: key)
        return hasher.finalize()
    }
}
