internal import Foundation
package import Model

/// Every silence the Alertmanager knows, as a value (upstream's `silence.Silences` without
/// its I/O): creating, updating, expiring, garbage collection after the retention, and which
/// silences mute a label set. Time is an argument; `Alertmanager` persists the result.
package struct Silences: Sendable, Equatable {
    /// By ID.
    package private(set) var byID: [String: Silence] = [:]
    /// How long an expired silence is kept (`--data.retention`).
    package var retention: Duration

    /// No silences, expired ones kept for `retention`.
    package init(retention: Duration) {
        self.retention = retention
    }

    /// Creates `silence` or updates the one with its ID (upstream's `Silences.Set`): a change of
    /// matchers, of an active silence's start, an end in the past or a start in the past of a
    /// pending one cannot be made in place, so the old silence is expired and a new one with a new
    /// ID created. A new silence starting in the past starts now.
    /// - Returns: the silence's ID.
    /// - Throws: `AlertingError.silenceNotFound` for an unknown ID, `.invalidSilence`.
    package mutating func set(_ silence: Silence, nowMs: Int64, newID: () -> String = { UUID().uuidString.lowercased() })
        throws(AlertingError) -> String
    {
        var silence = silence
        let previous = silence.id.isEmpty ? nil : byID[silence.id]
        if !silence.id.isEmpty && previous == nil { throw .silenceNotFound(silence.id) }
        if let previous {
            if Self.canUpdate(previous, to: silence, nowMs: nowMs) {
                silence.updatedAtMs = nowMs
                try silence.validate()
                byID[silence.id] = silence
                return silence.id
            }
            if previous.state(at: nowMs) != .expired {
                try validatedCopy(silence, nowMs: nowMs)
                try expire(id: previous.id, nowMs: nowMs)
            }
        }
        silence.id = newID()
        if silence.startsAtMs < nowMs { silence.startsAtMs = nowMs }
        silence.updatedAtMs = nowMs
        try silence.validate()
        byID[silence.id] = silence
        return silence.id
    }

    /// Checks that `silence`, given a fresh ID, would be accepted (so an update that fails
    /// validation does not expire the silence it replaces).
    private func validatedCopy(_ silence: Silence, nowMs: Int64) throws(AlertingError) {
        var copy = silence
        copy.id = "check"
        if copy.startsAtMs < nowMs { copy.startsAtMs = nowMs }
        try copy.validate()
    }

    /// Upstream's `canUpdate`.
    private static func canUpdate(_ old: Silence, to new: Silence, nowMs: Int64) -> Bool {
        guard old.matchers == new.matchers else { return false }
        switch old.state(at: nowMs) {
        case .active:
            // Compared in whole seconds, as upstream's `StartsAt.Unix()`.
            if floorDiv(new.startsAtMs, 1000) != floorDiv(old.startsAtMs, 1000) { return false }
            if new.endsAtMs < nowMs { return false }
        case .pending:
            if new.startsAtMs < nowMs { return false }
        case .expired:
            return false
        }
        return true
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : (a - b + 1) / b }

    /// Ends the silence now (upstream's `Silences.Expire`): an active one ends now, a pending one
    /// starts and ends now.
    /// - Throws: `.silenceNotFound`, `.silenceAlreadyExpired`.
    package mutating func expire(id: String, nowMs: Int64) throws(AlertingError) {
        guard var silence = byID[id] else { throw .silenceNotFound(id) }
        switch silence.state(at: nowMs) {
        case .expired: throw .silenceAlreadyExpired(id)
        case .active: silence.endsAtMs = nowMs
        case .pending:
            silence.startsAtMs = nowMs
            silence.endsAtMs = nowMs
        }
        silence.updatedAtMs = nowMs
        byID[id] = silence
    }

    /// Drops silences that ended more than `retention` ago; returns how many.
    @discardableResult
    package mutating func collectGarbage(nowMs: Int64) -> Int {
        let limit = nowMs - retention.wholeMilliseconds
        let expired = byID.values.filter { $0.endsAtMs < limit }.map(\.id)
        for id in expired { byID[id] = nil }
        return expired.count
    }

    /// The IDs of the active silences that mute `labels`, sorted.
    package func silencing(_ labels: [String: String], nowMs: Int64) -> [String] {
        byID.values.filter { $0.state(at: nowMs) == .active && $0.matches(labels) }.map(\.id).sorted()
    }

    /// Every silence in the API's order: active by end, pending by start, expired by end
    /// descending (upstream's `SortSilences`).
    package func listed(nowMs: Int64) -> [Silence] {
        byID.values.sorted { a, b in
            let sa = a.state(at: nowMs), sb = b.state(at: nowMs)
            if sa != sb { return sa.listOrder < sb.listOrder }
            switch sa {
            case .expired: return a.endsAtMs > b.endsAtMs
            case .pending: return a.startsAtMs < b.startsAtMs
            case .active: return a.endsAtMs < b.endsAtMs
            }
        }
    }

    /// Takes a peer's copy of a silence when it is newer than the one kept (upstream's gossip
    /// merge: last write wins on `updatedAt`); one past the retention is dropped.
    /// - Returns: whether it was taken.
    package mutating func merge(_ silence: Silence, nowMs: Int64) -> Bool {
        guard silence.endsAtMs >= nowMs - retention.wholeMilliseconds else { return false }
        if let kept = byID[silence.id], kept.updatedAtMs >= silence.updatedAtMs { return false }
        byID[silence.id] = silence
        return true
    }

    /// Restores silences read back from disk.
    package mutating func restore(_ silences: [Silence]) {
        for silence in silences { byID[silence.id] = silence }
    }
}
