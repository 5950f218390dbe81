@testable import Alerting
import AsyncHTTPClient
import Foundation
import Logging
import Model
import PharosTestSupport
import Synchronization
import Testing

/// What HA peers exchange (`PeerState`) and how it merges: last write wins, as upstream's gossip.
@Suite struct PeerStateTests {
    final class Clock: Sendable {
        let ms = Mutex<Int64>(1_800_000_000_000)
        func advance(_ by: Int64) { ms.withLock { $0 += by } }
    }

    static func alertmanager(_ clock: Clock) throws -> Alertmanager {
        var options = Alertmanager.Options()
        options.now = { clock.ms.withLock { $0 } }
        return try Alertmanager(config: try AlertmanagerConfig.parse("route: {receiver: r}\nreceivers: [{name: r}]"), options: options,
                                httpClient: HTTPClient.shared, logger: Logger(label: "test"))
    }

    static func silence(_ now: Int64) throws -> Silence {
        Silence(matchers: [try .init(.equal, "alertname", "Disk")], startsAtMs: now, endsAtMs: now + 3_600_000, createdBy: "t", comment: "c")
    }

    @Test func silencesMergeByLastUpdate() throws {
        let clock = Clock()
        let a = try Self.alertmanager(clock), b = try Self.alertmanager(clock)
        let id = try a.setSilence(try Self.silence(clock.ms.withLock { $0 }))
        let created = a.peerState()
        try b.mergePeerState(created)
        #expect(b.silence(id: id) == a.silence(id: id))
        clock.advance(1000)
        try a.expireSilence(id: id)
        try b.mergePeerState(a.peerState())
        #expect(b.silence(id: id)?.state(at: clock.ms.withLock { $0 }) == .expired)
        // The older copy arriving late changes nothing.
        try b.mergePeerState(created)
        #expect(b.silence(id: id) == a.silence(id: id))
    }

    @Test func logEntriesMergeByNotificationTime() {
        var log = NotificationLog(retention: .seconds(3600))
        let key = NotificationLog.Key(receiver: "r", integration: "webhook", index: 0, groupKey: "{}:{}")
        let older = NotificationLog.Entry(firing: [Fingerprint(value: 1)], resolved: [], timestampMs: 1000, expiresAtMs: 10_000)
        let newer = NotificationLog.Entry(firing: [Fingerprint(value: 2)], resolved: [], timestampMs: 2000, expiresAtMs: 10_000)
        let tookNewer = log.merge(key, newer, nowMs: 5000), tookOlder = log.merge(key, older, nowMs: 5000)
        #expect(tookNewer && !tookOlder)
        #expect(log.entries[key] == newer)
        let expired = NotificationLog.Entry(firing: [], resolved: [], timestampMs: 3000, expiresAtMs: 4000)
        let tookExpired = log.merge(key, expired, nowMs: 5000)
        #expect(!tookExpired)
        var silences = Silences(retention: .seconds(1))
        let old = Silence(id: "x", matchers: [], startsAtMs: 0, endsAtMs: 100, createdBy: "", comment: "")
        let tookOld = silences.merge(old, nowMs: 10_000)
        #expect(!tookOld, "ended longer ago than the retention")
    }

    /// Malformed messages are refused with `.peerState` and change nothing; seeded mutations of a
    /// real message never crash the decoder.
    @Test func malformedPeerStateIsRefused() throws {
        let clock = Clock()
        let a = try Self.alertmanager(clock), b = try Self.alertmanager(clock)
        _ = try a.setSilence(try Self.silence(clock.ms.withLock { $0 }))
        let good = a.peerState()
        for bad in ["", "[]", "{}x", #"{"version":2,"silences":[],"nflog":[]}"#,
                    #"{"version":1,"silences":[{"id":"","matchers":[],"startsAtMs":0,"endsAtMs":1,"updatedAtMs":0,"createdBy":"","comment":""}],"nflog":[]}"#,
                    #"{"version":1,"silences":[{"id":"x","matchers":[{"name":"a","value":"(","type":"=~"}],"startsAtMs":0,"endsAtMs":1,"updatedAtMs":0,"createdBy":"","comment":""}],"nflog":[]}"#] {
            #expect(throws: AlertingError.self, "\(bad)") { try b.mergePeerState(Array(bad.utf8)) }
        }
        #expect(b.silences().isEmpty)
        var random = SeededGenerator(seed: 7)
        for _ in 0..<300 {
            let before = b.peerState()
            do { try b.mergePeerState(random.mutate(good, alphabet: Array(#"{}[]":,0123456789aeisz=~!"#.utf8) + [0, 0xFF])) } catch {
                guard case .peerState = error else { Issue.record("\(error)"); continue }
                #expect(b.peerState() == before)
            }
        }
    }
}
