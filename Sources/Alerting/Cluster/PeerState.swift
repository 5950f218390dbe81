internal import Foundation

/// What HA peers send each other over HTTP (`/cluster/v1/state`): silences and notification log
/// entries in the records of the state files, the whole state on a join and at each push-pull,
/// only what changed otherwise. JSON: `{"version":1,"silences":[…],"nflog":[…]}`.
struct PeerState: Codable {
    var version = 1
    var silences: [StateSnapshots.SilenceRecord] = []
    var nflog: [StateSnapshots.LogRecord] = []

    /// Encoded as JSON.
    var bytes: [UInt8] { StateSnapshots.encode(self) }

    /// Decodes a peer's message.
    /// - Throws: `AlertingError.peerState` when it is not one, names an unknown version, or holds
    ///   an invalid silence.
    static func decode(_ bytes: some Collection<UInt8>) throws(AlertingError) -> (silences: [Silence], nflog: [(NotificationLog.Key, NotificationLog.Entry)]) {
        let state: PeerState
        do { state = try JSONDecoder().decode(PeerState.self, from: Data(bytes)) } catch {
            throw .peerState("not a peer state: \(error)")
        }
        guard state.version == 1 else { throw .peerState("unknown version \(state.version)") }
        var silences: [Silence] = []
        for record in state.silences {
            do {
                let silence = try record.silence()
                try silence.validate()
                silences.append(silence)
            } catch {
                throw .peerState("silence \(record.id): \(error)")
            }
        }
        return (silences, state.nflog.map(\.keyAndEntry))
    }
}
