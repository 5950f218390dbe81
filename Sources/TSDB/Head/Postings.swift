/// Operations on postings lists: sorted, duplicate-free arrays of series references
/// (upstream's `tsdb/index/postings.go`, over arrays instead of iterators).
enum Postings {
    /// The references in every list, by galloping: walk the shortest list and, for each of its
    /// references, gallop (exponential then binary search) forward in each other list. Costs
    /// O(k · log(n/k)) per list for a shortest list of k, so a rare label narrows a common one
    /// cheaply.
    static func intersect(_ lists: [[SeriesRef]]) -> [SeriesRef] {
        guard var shortest = lists.indices.first else { return [] }
        for i in lists.indices where lists[i].count < lists[shortest].count { shortest = i }
        let others = lists.indices.filter { $0 != shortest }
        var cursors = [Int](repeating: 0, count: others.count)
        var out = [SeriesRef]()
        out.reserveCapacity(lists[shortest].count)
        outer: for ref in lists[shortest] {
            for (k, i) in others.enumerated() {
                let position = gallop(lists[i], from: cursors[k], to: ref)
                cursors[k] = position
                if position == lists[i].count { break outer }
                if lists[i][position] != ref { continue outer }
            }
            out.append(ref)
        }
        return out
    }

    /// The first index at or after `start` whose element is `>= target` (or `count`).
    static func gallop(_ list: [SeriesRef], from start: Int, to target: SeriesRef) -> Int {
        var low = start
        guard low < list.count, list[low] < target else { return low }
        var step = 1
        var high = low + step
        while high < list.count, list[high] < target {
            low = high
            step *= 2
            high = low + step
        }
        high = min(high, list.count)
        // Invariant: list[low] < target, and list[high] >= target or high == count.
        while high - low > 1 {
            let mid = low + (high - low) / 2
            if list[mid] < target { low = mid } else { high = mid }
        }
        return high
    }

    /// The references in any list, sorted and without duplicates (a k-way merge by sorting
    /// the concatenation: lists here are value lists of one label name, usually few).
    static func union(_ lists: [[SeriesRef]]) -> [SeriesRef] {
        switch lists.count {
        case 0: return []
        case 1: return lists[0]
        case 2: return merge(lists[0], lists[1])
        default:
            var all = lists.flatMap { $0 }
            all.sort()
            var out = [SeriesRef]()
            out.reserveCapacity(all.count)
            for ref in all where out.last != ref { out.append(ref) }
            return out
        }
    }

    static func merge(_ a: [SeriesRef], _ b: [SeriesRef]) -> [SeriesRef] {
        var out = [SeriesRef]()
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count, j < b.count {
            if a[i] < b[j] { out.append(a[i]); i += 1 }
            else if b[j] < a[i] { out.append(b[j]); j += 1 }
            else { out.append(a[i]); i += 1; j += 1 }
        }
        out.append(contentsOf: a[i...])
        out.append(contentsOf: b[j...])
        return out
    }

    /// The references of `list` not in `remove` (upstream's `index.Without`).
    static func subtract(_ list: [SeriesRef], _ remove: [SeriesRef]) -> [SeriesRef] {
        guard !remove.isEmpty else { return list }
        var out = [SeriesRef]()
        out.reserveCapacity(list.count)
        var j = 0
        for ref in list {
            j = gallop(remove, from: j, to: ref)
            if j < remove.count, remove[j] == ref { continue }
            out.append(ref)
        }
        return out
    }

    /// Inserts `ref` keeping `list` sorted. New refs almost always go last, so the search
    /// starts at the end (upstream's `MemPostings.addFor`).
    static func insert(_ ref: SeriesRef, into list: inout [SeriesRef]) {
        var i = list.count
        while i > 0, list[i - 1] > ref { i -= 1 }
        if i > 0, list[i - 1] == ref { return }
        list.insert(ref, at: i)
    }
}
