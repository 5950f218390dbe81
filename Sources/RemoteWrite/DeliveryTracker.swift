internal import TSDB

/// Which WAL records a queue has fully delivered, so the persisted read position never
/// passes a sample that was not sent (or given up on).
///
/// Every record read gets a ticket with the position after it and the number of samples it
/// queued; shards report samples done per ticket, in any order. `committed` is the end of the
/// longest prefix of records whose samples are all done: a restart reads again from there.
struct DeliveryTracker: Sendable {
    private struct Entry {
        var end: WALPosition
        var remaining: Int
    }

    /// Where reading resumes after a restart.
    private(set) var committed: WALPosition
    /// Samples queued and not yet done.
    private(set) var pendingSamples = 0
    private var entries: [Entry] = []
    /// `entries[first...]` are the records not yet committed; ticket `t` is at `t - firstTicket + first`.
    private var first = 0
    private var firstTicket = 0

    init(committed: WALPosition) {
        self.committed = committed
    }

    /// Registers a record ending at `end` that queued `samples` samples; returns its ticket.
    mutating func add(end: WALPosition, samples: Int) -> Int {
        let ticket = firstTicket + entries.count - first
        entries.append(Entry(end: end, remaining: samples))
        pendingSamples += samples
        advance()
        return ticket
    }

    /// Marks `count` samples of record `ticket` done (sent, or dropped for good).
    mutating func complete(ticket: Int, count: Int) {
        let index = ticket - firstTicket + first
        guard index >= first, index < entries.count else {
            preconditionFailure("BUG: ticket \(ticket) is not pending")
        }
        entries[index].remaining -= count
        pendingSamples -= count
        precondition(entries[index].remaining >= 0, "BUG: more samples completed than ticket \(ticket) queued")
        advance()
    }


    private mutating func advance() {
        while first < entries.count, entries[first].remaining == 0 {
            committed = entries[first].end
            first += 1
            firstTicket += 1
        }
        if first > 1024, first * 2 > entries.count {
            entries.removeFirst(first)
            first = 0
        }
    }
}
