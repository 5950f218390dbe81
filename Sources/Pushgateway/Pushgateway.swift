package import Logging
import Synchronization

/// The push gateway: groups of pushed metrics, changed by pushes and deletes with the real
/// Pushgateway's semantics (`PushState`), each accepted change journaled and fsync'd before
/// the call returns (`PushJournal`), groups expiring after their TTL.
///
/// Calls are serialized, as upstream serializes its write queue; journal writes happen under
/// the lock, so a push is answered only once it is durable.
package final class Pushgateway: Sendable {
    /// The state and its journal; the journal (a plain class) is only ever touched under the lock.
    private struct Core: ~Copyable {
        var state: PushState
        let journal: PushJournal?
    }

    private let core: Mutex<Core>
    /// The TTL of a push that names none (`--push.default-ttl`), milliseconds; 0 for none.
    package let defaultTTLMs: Int64
    private let logger: Logger

    /// Opens the push gateway. With a `directory`, its journal there is replayed (and kept);
    /// without one, pushes live in memory only.
    /// - Throws: `.journal` when the journal cannot be opened.
    package init(directory: String?, defaultTTLMs: Int64, logger: Logger) throws(PushgatewayError) {
        self.defaultTTLMs = defaultTTLMs
        self.logger = logger
        if let directory {
            let (journal, state) = try PushJournal.open(directory: directory, logger: logger)
            core = Mutex(Core(state: state, journal: journal))
        } else {
            core = Mutex(Core(state: PushState(), journal: nil))
        }
    }

    /// Pushes `body` to the group `key`: `replace` for `PUT`, otherwise `POST`.
    /// - Parameter ttlMs: this push's TTL (the `ttl` query parameter); `nil` for the default.
    /// - Throws: `.invalidBody`, `.timestampsPresent` or `.inconsistent` (400), `.journal`
    ///   (nothing changed).
    package func push(_ body: [UInt8], contentType: String, to key: GroupingKey, replace: Bool,
                      ttlMs: Int64?, nowMs: Int64) throws(PushgatewayError) {
        let families = try PushBody.families(body, contentType: contentType)
        let ttl = ttlMs ?? defaultTTLMs
        let refusal = try core.withLock { core throws(PushgatewayError) -> PushgatewayError? in
            let (change, refusal) = core.state.push(families, to: key, replace: replace, nowMs: nowMs, ttlMs: ttl)
            try commit([change], in: &core)
            return refusal
        }
        if let refusal {
            logger.debug("Refused push", metadata: ["grouping_key": "\(key.labels)", "err": "\(refusal)"])
            throw refusal
        }
    }

    /// Deletes the group `key` (nothing if there is none).
    /// - Throws: `.journal` (nothing changed).
    package func delete(_ key: GroupingKey) throws(PushgatewayError) {
        try core.withLock { core throws(PushgatewayError) in
            guard let change = core.state.delete(key) else { return }
            try commit([change], in: &core)
        }
    }

    /// Deletes every group.
    /// - Throws: `.journal` (nothing changed).
    package func wipe() throws(PushgatewayError) {
        try core.withLock { core throws(PushgatewayError) in try commit(core.state.wipe(), in: &core) }
    }

    /// Deletes the groups whose TTL ran out by `nowMs`; returns how many.
    /// - Throws: `.journal` (nothing changed).
    @discardableResult
    package func expire(nowMs: Int64) throws(PushgatewayError) -> Int {
        try core.withLock { core throws(PushgatewayError) in
            let changes = core.state.expired(at: nowMs)
            try commit(changes, in: &core)
            return changes.count
        }
    }

    /// The groups, sorted by grouping key.
    package var groups: [MetricGroup] {
        core.withLock { core in core.state.groups.values.sorted { $0.key < $1.key } }
    }

    private func commit(_ changes: [GroupChange], in core: inout Core) throws(PushgatewayError) {
        guard !changes.isEmpty else { return }
        try core.journal?.append(changes)
        for change in changes { core.state.apply(change) }
        core.journal?.compactIfNeeded(core.state)
    }
}
