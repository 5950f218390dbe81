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
        #expect(notifier.alertmanagers.first?.authorization == "Basic dTpw")
        #expect(notifier.alertmanagers.last?.authorization == nil)
    }

    @Test func theBodyIsAlertmanagersV2Alerts() throws {
        var alert = Alert(labels: Labels(["alertname": "Down", "job": "a"]), annotations: Labels(["summary": "a \"b\"/c"]),
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
}
