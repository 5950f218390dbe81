import Alerting
import Config
import Model
import Testing

/// `alertmanager.yml` decoding: Alertmanager's defaults, inherited global settings, and the
/// reasons files are refused.
@Suite struct AlertmanagerConfigTests {
    @Test func minimalFileHasAlertmanagersDefaults() throws {
        let config = try AlertmanagerConfig.parse(AlertmanagerCases.minimal)
        #expect(config.global.resolveTimeout == .seconds(300))
        #expect(config.global.smtpHello == "localhost")
        #expect(config.global.smtpRequireTLS)
        #expect(config.global.pagerdutyURL == "https://events.pagerduty.com/v2/enqueue")
        #expect(config.global.opsgenieAPIURL == "https://api.opsgenie.com/")
        #expect(config.global.telegramAPIURL == "https://api.telegram.org")
        #expect(config.global.webexAPIURL == "https://webexapis.com/v1/messages")
        #expect(config.global.httpConfig == HTTPClientConfig())
        let root = config.routingTree
        #expect(root.receiver == "default")
        #expect(root.groupWait == .seconds(30))
        #expect(root.groupInterval == .seconds(300))
        #expect(root.repeatInterval == .seconds(4 * 3600))
        #expect(root.groupBy.isEmpty && !root.groupByAll)
    }

    @Test func realisticFileDecodesEverySection() throws {
        let config = try AlertmanagerConfig.parse(AlertmanagerCases.routingTree)
        #expect(config.global.resolveTimeout == .seconds(60))
        #expect(config.templates == ["templates/*.tmpl"])
        #expect(config.receivers.count == 12)
        #expect(config.inhibitRules.count == 2)
        #expect(config.timeIntervals.map(\.name) == ["weekends", "business-hours"])
        let business = try #require(config.timeIntervals.last?.intervals.first)
        #expect(business.times == [InclusiveRange(begin: 9 * 60, end: 17 * 60 + 30)])
        #expect(business.weekdays == [InclusiveRange(begin: 1, end: 5)])
        #expect(business.location == "Europe/Berlin")

        let rule = config.inhibitRules[0]
        #expect(rule.sourceMatchers == [try Matcher(.equal, "severity", "critical")])
        #expect(rule.targetMatchers == [try Matcher(.equal, "severity", "warning")])
        #expect(rule.equal == ["alertname", "cluster"])
        let deprecated = config.inhibitRules[1]
        #expect(deprecated.sourceMatchers == [try Matcher(.equal, "alertname", "ClusterDown")])
        #expect(deprecated.targetMatchers == [try Matcher(.regexMatch, "alertname", ".+")])
    }

    @Test func integrationsTakeGlobalSettings() throws {
        let config = try AlertmanagerConfig.parse(AlertmanagerCases.routingTree)
        func receiver(_ name: String) throws -> Receiver { try #require(config.receivers.first { $0.name == name }) }
        let mail = try #require(try receiver("default-mail").emailConfigs.first)
        #expect(mail.to == "ops@example.org")
        #expect(mail.from == "alertmanager@example.org")
        #expect(mail.smarthost == "mail.example.org:587")
        #expect(mail.authUsername == "alertmanager")
        #expect(mail.authPassword.value == "s3cret")
        #expect(mail.hello == "localhost")
        #expect(mail.requireTLS == true)
        #expect(!mail.sendResolved)
        #expect(try receiver("db-mail").emailConfigs.first?.sendResolved == true)

        let slack = try #require(try receiver("db-slack").slackConfigs.first)
        #expect(slack.apiURL.value == "https://hooks.slack.com/services/T000/B000/XXXX")
        #expect(slack.httpConfig == HTTPClientConfig())
        #expect(try receiver("frontend-slack").slackConfigs.first?.apiURL.value == "https://hooks.slack.com/services/T1/B1/YY")

        let pager = try #require(try receiver("oncall-pager").pagerdutyConfigs.first)
        #expect(pager.routingKey.value == "abc123")
        #expect(pager.url == "https://events.pagerduty.com/v2/enqueue")
        #expect(pager.severity == "error")
        #expect(pager.sendResolved)
        #expect(pager.details["num_firing"] == "{{ .Alerts.Firing | len }}")

        let hook = try #require(try receiver("frontend-prod").webhookConfigs.first)
        #expect(hook.url.value == "http://127.0.0.1:9999/prod")
        #expect(hook.maxAlerts == 10)
        #expect(hook.sendResolved)
        #expect(try receiver("api-webhook").webhookConfigs.first?.sendResolved == false)
    }

    @Test func otherIntegrationsAreReadWithDefaults() throws {
        let config = try AlertmanagerConfig.parse("""
            global: {opsgenie_api_key: k, victorops_api_key: v, wechat_api_secret: s, wechat_api_corp_id: c}
            route: {receiver: a}
            receivers:
              - name: a
                opsgenie_configs: [{priority: P1, update_alerts: true}]
                victorops_configs: [{routing_key: r}]
                telegram_configs: [{bot_token: t, chat_id: -100123, message_thread_id: 7}]
                wechat_configs: [{}]
                msteams_configs: [{webhook_url: 'https://example.webhook.office.com/x'}]
                msteamsv2_configs: [{webhook_url_file: /etc/am/teams}]
                jira_configs: [{api_url: 'https://example.atlassian.net', project: OPS, issue_type: Bug, labels: [a]}]
                rocketchat_configs: [{token: t, token_id: i, channel: '#a'}]
                pushover_configs: [{user_key: u, token: t}]
            """)
        let others = try #require(config.receivers.first?.otherConfigs)
        #expect(others.map(\.kind) == [
            "opsgenie_configs", "wechat_configs", "pushover_configs", "victorops_configs", "telegram_configs",
            "msteams_configs", "msteamsv2_configs", "jira_configs", "rocketchat_configs",
        ])
        let opsgenie = others[0]
        #expect(opsgenie.string("api_key") == "k")
        #expect(opsgenie.string("api_url") == "https://api.opsgenie.com/")
        #expect(opsgenie.values["update_alerts"] == .bool(true))
        #expect(opsgenie.sendResolved)
        #expect(others[1].string("message_type") == "text")
        #expect(others[1].string("corp_id") == "c")
        #expect(!others[1].sendResolved)
        #expect(others[2].values["retry"] == .duration(.seconds(60)))
        #expect(others[3].string("api_url") == "https://alert.victorops.com/integrations/generic/20131114/alert/")
        #expect(others[4].values["chat_id"] == .int(-100123))
        #expect(others[4].string("parse_mode") == "HTML")
        #expect(others[7].values["labels"] == .strings(["a"]))
        #expect(others[8].string("api_url") == "https://open.rocket.chat/")
    }

    /// Features newer than Debian's amtool that 0.27+ files use.
    @Test func newerFeaturesLoad() throws {
        let config = try AlertmanagerConfig.parse("""
            route:
              receiver: a
              routes:
                - matchers: ['"service name"="api gateway"', 'foo=bar']
                  receiver: a
                  active_time_intervals: [t]
            receivers:
              - name: a
                webhook_configs: [{url_file: /etc/am/url, timeout: 10s}]
            time_intervals: [{name: t, time_intervals: [{weekdays: [monday]}]}]
            """)
        let child = try #require(config.routingTree.routes.first)
        #expect(child.matchers == [try Matcher(.equal, "service name", "api gateway"), try Matcher(.equal, "foo", "bar")])
        #expect(child.activeTimeIntervals == ["t"])
        let hook = try #require(config.receivers.first?.webhookConfigs.first)
        #expect(hook.urlFile == "/etc/am/url" && hook.url.isEmpty)
        #expect(hook.timeout == .seconds(10))
    }

    @Test(arguments: AlertmanagerCases.invalid.map(\.name))
    func refusedWithAlertmanagersReason(name: String) throws {
        let (_, yaml, message) = try #require(AlertmanagerCases.invalid.first { $0.name == name })
        do {
            _ = try AlertmanagerConfig.parse(yaml)
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.description.contains(message), "\(name): \(error)")
        }
    }

    @Test(arguments: AlertmanagerCases.valid.map(\.name))
    func validFilesLoad(name: String) throws {
        let yaml = try #require(AlertmanagerCases.valid.first { $0.name == name }?.yaml)
        #expect(throws: Never.self) { try AlertmanagerConfig.parse(yaml) }
    }

    @Test func unknownKeysNameTheLine() throws {
        let yaml = """
            route:
              receiver: a
              routes:
                - receiver: a
                  matchers: ['a=b']
                  contnue: true
            receivers: [{name: a}]
            """
        #expect(throws: ConfigError.unknownField("contnue", type: "config.plain", line: 6)) { try AlertmanagerConfig.parse(yaml) }
    }

    @Test func secretsPrintRedacted() throws {
        let config = try AlertmanagerConfig.parse(AlertmanagerCases.routingTree)
        let text = String(describing: config) + String(reflecting: config)
        #expect(!text.contains("s3cret"))
        #expect(!text.contains("abc123"))
        #expect(!text.contains("XXXX"))
        #expect(text.contains("<secret>"))
    }

    @Test func repeatShorterThanGroupIntervalIsAWarning() throws {
        let config = try AlertmanagerConfig.parse(AlertmanagerCases.routingTree)
        // Only the Watchdog route repeats (1m) faster than it groups (inherited 2m).
        #expect(config.warnings.count == 1)
        #expect(config.warnings.first?.contains("repeat_interval 1m is less than group_interval 2m") == true)
    }

    @Test func loadMakesTemplateGlobsRelativeToTheFile() throws {
        let path = try Support.writeTemporary(AlertmanagerCases.routingTree)
        let config = try AlertmanagerConfig.load(file: path)
        let directory = String(path.dropLast("/alertmanager.yml".count))
        #expect(config.templates == [directory + "/templates/*.tmpl"])
        #expect(throws: ConfigError.self) { try AlertmanagerConfig.load(file: directory + "/missing.yml") }
    }
}
