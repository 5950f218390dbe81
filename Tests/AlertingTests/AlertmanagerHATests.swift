import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import PharosTestSupport
import Testing

/// HA (issue 9 item 7): two real `pharos server --role=alertmanager` processes on loopback given
/// each other as `--cluster.peer`, both fed the same alerts as Prometheus feeds HA
/// Alertmanagers, one webhook recorder. Each peer sends its own `--web.external-url`, so a
/// notification says which peer sent it.
@Suite(.enabled(if: Support.pharos != nil)) struct AlertmanagerHATests {
    /// `--cluster.peer-timeout` of the tests: the second peer's wait before it reads the log.
    static let peerTimeout = Duration.seconds(3)

    /// One peer: its process, ports and directory.
    final class Peer {
        let name: String
        let webPort: Int, clusterPort: Int
        let directory: String
        var daemon: PharosTestSupport.Daemon?
        var api: String { "http://127.0.0.1:\(webPort)/api/v2" }
        var clusterAddress: String { "127.0.0.1:\(clusterPort)" }

        init(name: String, directory: String) throws {
            self.name = name
            self.directory = directory
            webPort = try PharosTestSupport.Daemon.freePort()
            clusterPort = try PharosTestSupport.Daemon.freePort()
        }

        func start(peers: [Peer], extraArguments: [String] = []) async throws {
            daemon = try PharosTestSupport.Daemon(try #require(Support.pharos), [
                "server", "--role=alertmanager", "--config.file=\(directory)/am.yml", "--storage.path=\(directory)/\(name)",
                "--web.listen-address=127.0.0.1:\(webPort)", "--web.external-url=http://\(name)",
                "--cluster.listen-address=\(clusterAddress)", "--cluster.peer-timeout=3s", "--cluster.probe-interval=250ms",
            ] + peers.map { "--cluster.peer=\($0.clusterAddress)" } + extraArguments, output: .file("\(directory)/\(name).log"))
            try await daemon?.waitUntilListening(port: webPort)
            try await daemon?.waitUntilListening(port: clusterPort)
        }
    }

    /// Two peers `a` and `b` sharing `directory/am.yml` with a webhook to `url`, started and
    /// waiting until each counts two members; the first returned is the one at position 0.
    static func startPair(_ directory: String, url: String, extraArguments: [String] = []) async throws -> (first: Peer, second: Peer) {
        try Data("""
            route: {receiver: hook, group_by: [alertname], group_wait: 1s, group_interval: 1m, repeat_interval: 1h}
            receivers: [{name: hook, webhook_configs: [{url: '\(url)'}]}]
            """.utf8).write(to: URL(fileURLWithPath: directory + "/am.yml"))
        let a = try Peer(name: "a", directory: directory), b = try Peer(name: "b", directory: directory)
        try await a.start(peers: [b], extraArguments: extraArguments)
        try await b.start(peers: [a], extraArguments: extraArguments)
        for peer in [a, b] { try await waitForMembers(peer, 2) }
        // Members are ordered by name, which is the advertised address.
        return a.clusterAddress < b.clusterAddress ? (a, b) : (b, a)
    }

    /// Runs `body` with two started peers (position 0 first) sending to one recorder whose
    /// requests end after `guard`; stops both and removes their directory after.
    /// - Parameter clusterTLS: the `--cluster.tls-config` file's text, written into the directory.
    static func withPair(
        guard timeout: Duration, clusterTLS: String? = nil, _ body: (Peer, Peer, WebhookRecorder) async throws -> Void
    ) async throws {
        let directory = try Support.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let recorder = try await WebhookRecorder()
        let guardTask = recorder.finish(after: timeout)
        defer { guardTask.cancel() }
        var extraArguments: [String] = []
        if let clusterTLS {
            try Data(clusterTLS.utf8).write(to: URL(fileURLWithPath: directory + "/cluster-tls.yml"))
            extraArguments.append("--cluster.tls-config=\(directory)/cluster-tls.yml")
        }
        let (first, second) = try await startPair(directory, url: recorder.url, extraArguments: extraArguments)
        defer { first.daemon?.stop(); second.daemon?.stop() }
        try await body(first, second, recorder)
    }

    static func waitForMembers(_ peer: Peer, _ count: Int) async throws {
        for _ in 0..<200 {
            if let status = try? await json(peer.api + "/status") as? [String: Any],
               let cluster = status["cluster"] as? [String: Any], (cluster["peers"] as? [Any])?.count == count,
               cluster["status"] as? String == "ready" { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("\(peer.name) never counted \(count) members:\n\(peer.daemon?.log ?? "")")
    }

    static func json(_ url: String) async throws -> Any {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 8 << 20)
        return try JSONSerialization.jsonObject(with: Data(body.readableBytesView))
    }

    static func text(_ url: String) async throws -> String {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        return String(buffer: try await response.body.collect(upTo: 8 << 20))
    }

    static func postSilence(_ peer: Peer, alertname: String) async throws -> String {
        var request = HTTPClientRequest(url: peer.api + "/silences")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"matchers":[{"name":"alertname","value":"\#(alertname)","isRegex":false}],"startsAt":"2026-01-01T00:00:00Z","endsAt":"2099-01-01T00:00:00Z","createdBy":"t","comment":"ha"}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try JSONSerialization.jsonObject(with: Data(try await response.body.collect(upTo: 1 << 20).readableBytesView))
        return try #require((body as? [String: Any])?["silenceID"] as? String)
    }

    /// Waits until `peer` lists the silence `id`.
    static func waitForSilence(_ id: String, on peer: Peer) async throws -> Bool {
        for _ in 0..<100 {
            if let silences = try? await json(peer.api + "/silences") as? [[String: Any]], silences.contains(where: { $0["id"] as? String == id }) {
                return true
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    static func alerts(_ names: [String]) -> String {
        "[" + names.map { #"{"labels":{"alertname":"\#($0)","instance":"i"}}"# }.joined(separator: ",") + "]"
    }

    /// The notifications the recorder gets until `quiet` passes without one, as
    /// (external URL, group key); bounded by the recorder's guard.
    static func collect(_ recorder: WebhookRecorder, expecting count: Int, quiet: Duration) async -> [(String, String)] {
        var seen: [(String, String)] = []
        var iterator = recorder.requests.makeAsyncIterator()
        while seen.count < count, let request = await iterator.next() {
            seen.append((request.json["externalURL"] as? String ?? "", request.json["groupKey"] as? String ?? ""))
        }
        // Anything more would be a duplicate: it would come within the second peer's wait.
        let stopper = recorder.finish(after: quiet)
        while let request = await iterator.next() {
            seen.append((request.json["externalURL"] as? String ?? "", request.json["groupKey"] as? String ?? ""))
        }
        await stopper.value
        return seen
    }

    /// Both peers get the same alerts of three groups: each group is notified once, by the
    /// peer at position 0; the other read the shared log after its wait and stayed quiet.
    @Test func onlyTheFirstPeerNotifies() async throws {
        try await Self.withPair(guard: .seconds(60)) { first, second, recorder in
            let body = Self.alerts(["G1", "G2", "G3"])
            // The second peer first: without its wait it would flush, find no log entry and notify too.
            for peer in [second, first] { try await AlertmanagerDifferentialTests.post(peer.api, "/alerts", body) }
            let seen = await Self.collect(recorder, expecting: 3, quiet: Self.peerTimeout * 2)
            #expect(seen.count == 3, "\(seen)")
            #expect(Set(seen.map(\.1)) == [#"{}:{alertname="G1"}"#, #"{}:{alertname="G2"}"#, #"{}:{alertname="G3"}"#])
            #expect(seen.allSatisfy { $0.0 == "http://\(first.name)" }, "\(seen)")
            let metrics = try await Self.text("http://127.0.0.1:\(second.webPort)/metrics")
            for line in ["alertmanager_cluster_enabled 1", "alertmanager_cluster_members 2", "alertmanager_peer_position 1"] {
                #expect(metrics.contains(line), "\(line)")
            }
            let status = try #require(try await Self.json(second.api + "/status") as? [String: Any])
            let cluster = try #require(status["cluster"] as? [String: Any])
            #expect(cluster["name"] as? String == second.clusterAddress)
            #expect(Set(((cluster["peers"] as? [[String: Any]]) ?? []).compactMap { $0["address"] as? String })
                    == [first.clusterAddress, second.clusterAddress])
            if let amtool = Support.amtool {
                let show = try Support.run(amtool, ["--alertmanager.url=http://127.0.0.1:\(second.webPort)", "cluster", "show"])
                #expect(show.output.contains("Cluster Status:  ready") && show.output.contains("Node Name:       \(second.clusterAddress)"), "\(show)")
            }
        }
    }

    /// A silence created on one peer shows on the other (API v2 and amtool) and mutes its
    /// alerts there; an alert not silenced, posted beside it, is notified.
    @Test func silenceOnOnePeerMutesOnTheOther() async throws {
        try await Self.withPair(guard: .seconds(60)) { first, second, recorder in
            let id = try await Self.postSilence(first, alertname: "Muted")
            #expect(try await Self.waitForSilence(id, on: second))
            if let amtool = Support.amtool {
                let query = try Support.run(amtool, ["--alertmanager.url=http://127.0.0.1:\(second.webPort)", "silence", "query", "-q"])
                #expect(query.output.split(separator: "\n").map(String.init) == [id], "\(query)")
            }
            try await AlertmanagerDifferentialTests.post(second.api, "/alerts", Self.alerts(["Muted", "Loud"]))
            let seen = await Self.collect(recorder, expecting: 1, quiet: Self.peerTimeout * 2)
            #expect(seen.map(\.1) == [#"{}:{alertname="Loud"}"#], "\(seen)")
        }
    }

    /// `--cluster.tls-config` as Alertmanager's: the peers' endpoints serve HTTPS and require a
    /// client certificate from the CA; the peers find each other and share a silence over it,
    /// and a client without a certificate is refused.
    @Test(.enabled(if: TestCertificates.isAvailable, "needs openssl"))
    func peersTalkOverMutualTLS() async throws {
        let certificates = try await TestCertificates()
        let tls = """
            tls_server_config:
              cert_file: \(certificates.serverCertFile)
              key_file: \(certificates.serverKeyFile)
              client_ca_file: \(certificates.caFile)
              client_auth_type: RequireAndVerifyClientCert
            tls_client_config:
              ca_file: \(certificates.caFile)
              cert_file: \(certificates.clientCertFile)
              key_file: \(certificates.clientKeyFile)
            """
        try await Self.withPair(guard: .seconds(60), clusterTLS: tls) { first, second, _ in
            let id = try await Self.postSilence(first, alertname: "Muted")
            #expect(try await Self.waitForSilence(id, on: second))
            // Plain HTTP to the cluster port gets no answer, and neither does HTTPS without a client certificate.
            let plain = try? await HTTPClient.shared.execute(
                HTTPClientRequest(url: "http://\(second.clusterAddress)/cluster/v1/ping"), timeout: .seconds(5))
            #expect(plain?.status != .ok)
            var configuration = HTTPClient.Configuration()
            configuration.tlsConfiguration = .makeClientConfiguration()
            configuration.tlsConfiguration?.trustRoots = .file(certificates.caFile)
            let anonymous = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            let refused = try? await anonymous.execute(
                HTTPClientRequest(url: "https://\(second.clusterAddress)/cluster/v1/ping"), timeout: .seconds(5))
            try await anonymous.shutdown()
            #expect(refused == nil)
        }
    }

    /// kill -9 of the peer at position 0: the other notifies after its wait. The killed peer
    /// comes back with its old directory and catches up with what happened meanwhile (a silence,
    /// the notification log) in one full exchange, then takes changes as they happen.
    @Test func secondPeerTakesOverAndFirstCatchesUp() async throws {
        try await Self.withPair(guard: .seconds(90)) { first, second, recorder in
            await first.daemon?.kill9()
            let body = Self.alerts(["Down"])
            try await AlertmanagerDifferentialTests.post(second.api, "/alerts", body)
            var requests = recorder.requests.makeAsyncIterator()
            let notified = try #require(await requests.next())
            #expect(notified.json["externalURL"] as? String == "http://\(second.name)")
            #expect(notified.json["groupKey"] as? String == #"{}:{alertname="Down"}"#)
            let silence = try await Self.postSilence(second, alertname: "Later")

            try await first.start(peers: [second])
            try await Self.waitForMembers(first, 2)
            #expect(try await Self.waitForSilence(silence, on: first), "the silence made while it was down")
            // The log came along: the same alert posted to it is not notified again.
            try await AlertmanagerDifferentialTests.post(first.api, "/alerts", body)
            let again = try await Self.postSilence(first, alertname: "AfterJoin")
            #expect(try await Self.waitForSilence(again, on: second), "a change after the join")
            let stopper = recorder.finish(after: Self.peerTimeout)
            let duplicate = await requests.next()
            stopper.cancel()
            #expect(duplicate == nil, "notified again: \(duplicate.map { String(decoding: $0.body, as: UTF8.self) } ?? "")")
        }
    }

    /// Memberlist settings Pharos cannot honour, and peers without the alertmanager role, are refused by name.
    @Test func refusesWhatItCannotHonour() throws {
        let pharos = try #require(Support.pharos)
        for flag in ["--cluster.gossip-interval=200ms", "--cluster.reconnect-timeout=6h"] {
            let run = try Support.run(pharos, ["server", "--role=alertmanager", "--cluster.peer=127.0.0.1:1", flag])
            #expect(run.status != 0)
            #expect(run.error.contains("is a memberlist setting Pharos cannot honour"), "\(flag): \(run.error)")
        }
        let all = try Support.run(pharos, ["server", "--cluster.peer=127.0.0.1:9094"])
        #expect(all.status != 0)
        #expect(all.error.contains("HA (--cluster.peer) needs --role=alertmanager"))
    }
}
