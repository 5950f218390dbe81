internal import Model

/// What happened to each alert, by fingerprint (Pharos's addition, `GET
/// /api/v2/alerts/history`): it started firing or resolved, was silenced or inhibited and
/// unmuted again, was notified to an integration. Events are recorded on transitions only
/// (a re-sent firing alert adds nothing), kept for the retention, at most 1000 per alert.
/// New events also wait in `unsaved` until `Alertmanager` appends them to `history.jsonl`.
package struct AlertHistory: Sendable {
    /// One event.
    package struct Event: Sendable, Equatable {
        package enum Kind: String, Sendable {
            case firing, resolved, silenced, unsilenced, inhibited, uninhibited, notified
        }

        package var kind: Kind
        package var atMs: Int64
        /// Silence IDs (`silenced`), inhibiting alerts' fingerprints (`inhibited`).
        package var by: [String] = []
        /// For `notified`: the receiver, the integration as `name[index]`, and the alert's
        /// status in that notification.
        package var receiver = ""
        package var integration = ""
        package var status = ""
    }

    private struct State: Sendable {
        var firing: Bool?
        var silencedBy: [String] = []
        var inhibitedBy: [String] = []
    }

    /// The events of each alert, oldest first.
    package private(set) var events: [Fingerprint: [Event]] = [:]
    /// Events recorded since the last `takeUnsaved()`, in order (when `saves`).
    private var unsaved: [(Fingerprint, Event)] = []
    /// Whether new events are kept for `takeUnsaved()` (the history has a file).
    private let saves: Bool
    private var states: [Fingerprint: State] = [:]
    /// How long an alert's events are kept after its last one.
    package var retention: Duration
    static let maxEventsPerAlert = 1000

    /// An empty history keeping events for `retention`; `saves`: new events wait for `takeUnsaved()`.
    package init(retention: Duration, saves: Bool = false) {
        self.retention = retention
        self.saves = saves
    }

    /// Records `firing`/`resolved` when the alert's state changed.
    package mutating func observe(_ fingerprint: Fingerprint, firing: Bool, atMs: Int64) {
        guard states[fingerprint]?.firing != firing else { return }
        states[fingerprint, default: State()].firing = firing
        append(Event(kind: firing ? .firing : .resolved, atMs: atMs), to: fingerprint)
    }

    /// Records `silenced`/`unsilenced` and `inhibited`/`uninhibited` when what mutes it changed.
    package mutating func observeMuting(_ fingerprint: Fingerprint, silencedBy: [String], inhibitedBy: [String], atMs: Int64) {
        var state = states[fingerprint, default: State()]
        let silences = silencedBy.sorted(), inhibitors = inhibitedBy.sorted()
        if state.silencedBy != silences {
            append(Event(kind: silences.isEmpty ? .unsilenced : .silenced, atMs: atMs, by: silences), to: fingerprint)
            state.silencedBy = silences
        }
        if state.inhibitedBy != inhibitors {
            append(Event(kind: inhibitors.isEmpty ? .uninhibited : .inhibited, atMs: atMs, by: inhibitors), to: fingerprint)
            state.inhibitedBy = inhibitors
        }
        states[fingerprint] = state
    }

    /// Records that the alert was sent, with `status`, to `integration` of `receiver`.
    package mutating func notified(_ fingerprint: Fingerprint, receiver: String, integration: String, status: String, atMs: Int64) {
        append(Event(kind: .notified, atMs: atMs, receiver: receiver, integration: integration, status: status), to: fingerprint)
    }

    /// Drops the alerts whose last event is older than the retention.
    package mutating func collectGarbage(nowMs: Int64) {
        let cutoff = nowMs - retention.wholeMilliseconds
        for (fingerprint, list) in events where (list.last?.atMs ?? 0) < cutoff {
            events[fingerprint] = nil
            states[fingerprint] = nil
        }
    }

    /// Hands over the events recorded since the last call, oldest first.
    mutating func takeUnsaved() -> [(Fingerprint, Event)] {
        defer { unsaved = [] }
        return unsaved
    }

    /// Every event kept, alert by alert (the compacted file).
    var all: [(Fingerprint, Event)] {
        events.sorted { $0.key < $1.key }.flatMap { fingerprint, list in list.map { (fingerprint, $0) } }
    }

    /// Takes back an event read from the file: appended, and the alert's state follows it.
    mutating func replay(_ fingerprint: Fingerprint, _ event: Event) {
        var state = states[fingerprint, default: State()]
        switch event.kind {
        case .firing, .resolved: state.firing = event.kind == .firing
        case .silenced, .unsilenced: state.silencedBy = event.by
        case .inhibited, .uninhibited: state.inhibitedBy = event.by
        case .notified: break
        }
        states[fingerprint] = state
        append(event, to: fingerprint, saved: true)
    }

    private mutating func append(_ event: Event, to fingerprint: Fingerprint, saved: Bool = false) {
        if saves && !saved { unsaved.append((fingerprint, event)) }
        var list = events[fingerprint, default: []]
        list.append(event)
        if list.count > Self.maxEventsPerAlert { list.removeFirst(list.count - Self.maxEventsPerAlert) }
        events[fingerprint] = list
    }
}
