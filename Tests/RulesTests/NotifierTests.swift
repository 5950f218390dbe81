import AsyncHTTPClient
import Config
import Foundation
import Logging
import Model
import Testing
@testable import Rules

/// Where the notifier sends and what it sends, without a network: the Alertmanager URLs of
/// `alerting.alertmanagers` and the v2 JSON body.
@Suite struct NotifierTests {
    @Test func everyStaticTargetOfEveryEntryIsAnAlertmanager() throws {
        let config = try PrometheusConfig.parse("""
            alerting:
              alertmanagers:
                - path_prefix: /am/
                  timeout: 3s
                  basic_auth: {username: u, password: p}
                  static_configs:
                    - targets: ['a:9093', 'b:9093']
                - scheme: https
                  static_configs:
                    - targets: ['c:9093']
            """)
        let notifier = Notifier(httpClient: .shared, logger: Logger(label: "test"))
        try notifier.applyConfig(config)
        #expect(notifier.alertmanagers.map(\.url) == [
            "http://a:9093/am/api/v2/alerts", "http://b:9093/am/api/v2/alerts", "https://c:9093/api/v2/alerts",
        ])
        #expect(notifier.alertmanagers.map(\.timeout) == [.seconds(3), .seconds(3), .seconds(10)])
        #expect(try notifier.alertmanagers.first?.http.authorizationHeader() == "Basic dTpw")
        #expect(try notifier.alertmanagers.last?.http.authorizationHeader() == nil)
    }

    @Test func theBodyIsAlertmanagersV2Alerts() throws {
        var alert = Alert(labels: Labels(["alertname": "Down", "job": "a"]), annotations: Annotations(["summary": "a \"b\"/c"]),
                          value: 1, activeAtMs: 1_700_000_000_000)
        alert.state = .firing
        alert.firedAtMs = 1_700_000_060_000
        alert.validUntilMs = 1_700_000_300_000
        let body = NotifierAlert.json([NotifierAlert(alert, generatorURL: "http://p:9090/graph?g0.expr=up&g0.tab=1")])
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]])
        #expect(decoded.count == 1)
        #expect(decoded[0]["labels"] as? [String: String] == ["alertname": "Down", "job": "a"])
        #expect(decoded[0]["annotations"] as? [String: String] == ["summary": "a \"b\"/c"])
        #expect(decoded[0]["startsAt"] as? String == "2023-11-14T22:14:20.000Z")
        #expect(decoded[0]["endsAt"] as? String == "2023-11-14T22:18:20.000Z")
        #expect(decoded[0]["generatorURL"] as? String == "http://p:9090/graph?g0.expr=up&g0.tab=1")
    }

    @Test func emptyAnnotationsAreSentEmpty() throws {
        let alert = Alert(labels: Labels(["alertname": "A"]), annotations: Annotations(["empty": "", "s": "x"]), value: 1, activeAtMs: 0)
        #expect(alert.annotations["empty"] == "" && alert.annotations["missing"] == nil)
        #expect(alert.annotations.description == #"{empty="", s="x"}"#)
        let body = NotifierAlert.json([NotifierAlert(alert, generatorURL: "")])
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]])
        #expect(decoded.first?["annotations"] as? [String: String] == ["empty": "", "s": "x"])
    }

    @Test func discoveredAndRelabeledAlertmanagers() throws {
        let config = try PrometheusConfig.parse("""
            alerting:
              alertmanagers:
                - path_prefix: prefix
                  file_sd_configs:
                    - files: [am.json]
                  relabel_configs:
                    - source_labels: [role]
                      regex: backup
                      action: drop
                    - source_labels: [port]
                      regex: (.+)
                      target_label: __address__
                      replacement: '${1}'
                      action: replace
                  static_configs:
                    - targets: ['s:9093']
            """)
        let notifier = Notifier(httpClient: .shared, logger: Logger(label: "test"))
        try notifier.applyConfig(config)
        #expect(notifier.alertmanagers.map(\.url) == ["http://s:9093/prefix/api/v2/alerts"])
        notifier.applyDiscovered([0: [
            (targets: [Labels(["__address__": "a:9093"]), Labels(["__address__": "b:9093", "role": "backup"])], labels: Labels(["zone": "z"])),
            (targets: [Labels(["__address__": "c:1", "port": "c:9095"]), Labels(["__address__": "s:9093"])], labels: Labels()),
        ], 7: [(targets: [Labels(["__address__": "ignored:1"])], labels: Labels())]])
        // Static first, then discovered; a URL found twice is one Alertmanager.
        #expect(notifier.alertmanagers.map(\.url) == [
            "http://s:9093/prefix/api/v2/alerts", "http://a:9093/prefix/api/v2/alerts", "http://c:9095/prefix/api/v2/alerts",
        ])
        #expect(notifier.droppedAlertmanagerURLs == ["http://b:9093/prefix/api/v2/alerts"])
        // An unchanged entry keeps its discovered Alertmanagers across a reload; a changed one drops them.
        try notifier.applyConfig(config)
        #expect(notifier.alertmanagers.count == 3)
        try notifier.applyConfig(try PrometheusConfig.parse("alerting:\n  alertmanagers:\n    - file_sd_configs: [{files: [am.json]}]\n"))
        #expect(notifier.alertmanagers.isEmpty)
    }
}
