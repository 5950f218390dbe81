import Exposition
import Foundation
import Model
import NIOHTTP1
import PharosTestSupport
import Server
import Testing

/// `/federate` scraped by Debian's real Prometheus, and the web config's basic auth.
@Suite(.enabled(if: PharosInstance.binary != nil, "needs the pharos binary (swift build --build-tests)"))
struct FederationAndAuthTests {
    @Test func federateTextFormat() async throws {
        let now = WallClock.milliseconds()
        let pharos = try await PharosInstance(
            config: "global:\n  external_labels:\n    cluster: eu1\n",
            samples: [
                (Labels(["__name__": "node_load1", "instance": "a:9100", "job": "node"]), [(now - 60_000, 0.5), (now - 30_000, 0.75)]),
                (Labels(["__name__": "node_load1", "instance": "b:9100", "job": "node", "cluster": "us2"]), [(now - 30_000, 2)]),
                (Labels(["__name__": "old_metric", "job": "node"]), [(now - 3_600_000, 1)]),
            ])
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        let reply = try await pharos.get("/federate?match%5B%5D=\(encoded("{job=\"node\"}"))")
        #expect(reply.status == 200)
        #expect(reply.body == """
            # TYPE node_load1 untyped
            node_load1{cluster="eu1",instance="a:9100",job="node"} 0.75 \(now - 30_000)
            node_load1{cluster="us2",instance="b:9100",job="node"} 2 \(now - 30_000)

            """)
        let none = try await pharos.get("/federate")
        #expect(none.status == 200 && none.body.isEmpty)

        // Delimited protobuf when asked for, as Prometheus scrapers prefer it.
        let accept = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;q=0.3"
        let binary = try await pharos.get("/federate?match%5B%5D=\(encoded("{job=\"node\"}"))", headers: [("Accept", accept)])
        #expect(binary.headers.first(name: "content-type") == ExpositionFormat.protobuf.contentType)
        var parser = ProtobufParser(binary.bytes)
        var seen: [(Labels, Double, Int64?)] = []
        while let entry = try parser.next() {
            guard entry == .series else { continue }
            var builder = LabelsBuilder()
            parser.labels(into: &builder)
            seen.append((builder.labels(), parser.value, parser.timestampMs))
        }
        #expect(seen.map(\.0) == [
            Labels(["__name__": "node_load1", "cluster": "eu1", "instance": "a:9100", "job": "node"]),
            Labels(["__name__": "node_load1", "cluster": "us2", "instance": "b:9100", "job": "node"]),
        ])
        #expect(seen.map(\.1) == [0.75, 2] && seen.allSatisfy { $0.2 == now - 30_000 })
    }

    /// Debian's Prometheus 2.42 scrapes Pharos's `/federate` with `honor_labels: true` and
    /// stores what Pharos holds.
    @Test func prometheusFederatesPharos() async throws {
        guard let prometheus = TestBinaries.onPath("prometheus") else { return }
        let now = WallClock.milliseconds()
        let pharos = try await PharosInstance(samples: [
            (Labels(["__name__": "temperature_celsius", "room": "lab", "job": "sensors", "instance": "s1"]), [(now - 5_000, 21.5)]),
            (Labels(["__name__": "temperature_celsius", "room": "hall", "job": "sensors", "instance": "s2"]), [(now - 5_000, 19)]),
        ])
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        let port = try Daemon.freePort()
        let config = """
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: federate
                honor_labels: true
                metrics_path: /federate
                params:
                  'match[]': ['{job="sensors"}']
                static_configs:
                  - targets: ['127.0.0.1:\(pharos.port)']
            """
        try config.write(toFile: pharos.directory + "/federating.yml", atomically: true, encoding: .utf8)
        let peer = try Daemon(prometheus, [
            "--config.file=\(pharos.directory)/federating.yml", "--storage.tsdb.path=\(pharos.directory)/prometheus-data",
            "--web.listen-address=127.0.0.1:\(port)",
        ], output: .file(pharos.directory + "/prometheus.log"))
        defer { Task { await peer.terminate() } }
        try await peer.waitUntilListening(port: port)
        var result: [[String: Any]] = []
        for _ in 0..<100 where result.count < 2 {
            try await Task.sleep(for: .milliseconds(200))
            let data = try? await PharosInstance.data(url: "http://127.0.0.1:\(port)/api/v1/query?query=temperature_celsius")
            result = (data as? [String: Any])?["result"] as? [[String: Any]] ?? []
        }
        let values = Dictionary(uniqueKeysWithValues: result.compactMap { entry -> (String, String)? in
            guard let metric = entry["metric"] as? [String: String], let value = entry["value"] as? [Any],
                  let text = value.last as? String else { return nil }
            return (metric["room"] ?? "", "\(metric["instance"] ?? "")/\(metric["job"] ?? "")=\(text)")
        })
        #expect(values == ["lab": "s1/sensors=21.5", "hall": "s2/sensors=19"], "\(peer.log)")
    }

    @Test func basicAuthFromWebConfig() async throws {
        // bcrypt of "s3cret", made with Python's crypt module (libxcrypt), cost 4.
        let webConfig = "basic_auth_users:\n  alice: $2b$04$0PzpbzPtSfvQdHjgv.S/SuGnOzpX0rLnePW3d3pcZeerEyYm/rZEO\n"
        let pharos = try await PharosInstance(files: ["web.yml": webConfig], flags: ["--web.config.file={dir}/web.yml"])
        defer { Task { await pharos.stop() } }
        let anonymous = try await pharos.get("/api/v1/labels")
        #expect(anonymous.status == 401)
        #expect(anonymous.headers.first(name: "www-authenticate") == "Basic")
        let wrong = try await pharos.get("/api/v1/labels", headers: [("Authorization", "Basic " + Data("alice:nope".utf8).base64EncodedString())])
        #expect(wrong.status == 401)
        let right = try await pharos.get("/-/ready", headers: [("Authorization", "Basic " + Data("alice:s3cret".utf8).base64EncodedString())])
        #expect(right.status == 200 || right.status == 503)
    }
}
