import Config
import Model
import Testing

@Suite struct SecretTests {
    @Test func neverPrintsItsValue() {
        let secret = Secret("hunter2")
        #expect("\(secret)" == "<secret>")
        #expect(String(describing: secret) == "<secret>")
        #expect(String(reflecting: secret) == "<secret>")
        #expect(secret.value == "hunter2")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("hunter2"))
        var job = HTTPClientConfig()
        job.basicAuth = BasicAuth()
        job.basicAuth?.password = secret
        var dumpedConfig = ""
        dump(job, to: &dumpedConfig)
        #expect(!dumpedConfig.contains("hunter2") && !String(describing: job).contains("hunter2"))
    }
}

@Suite struct SerializationTests {
    /// Every secret of `Fixtures.full`, which must not appear in what is shown.
    static let secrets = [
        "s3cr3t-basic", "proxy-s3cr3t", "header-s3cr3t", "bearer-s3cr3t", "consul-s3cr3t", "oauth-s3cr3t",
        "am-s3cr3t", "remote-s3cr3t",
    ]

    @Test func secretsAreRedacted() throws {
        let yaml = try PrometheusConfig.parse(Fixtures.full, environment: [:]).yaml()
        for secret in Self.secrets { #expect(!yaml.contains(secret), "\(secret) leaked") }
        #expect(yaml.contains("<secret>"))
        #expect(yaml.contains("password: <secret>"))
        #expect(yaml.contains("credentials: <secret>"))
    }

    @Test func serializedConfigParsesBackToTheSameConfig() throws {
        let original = try PrometheusConfig.parse(Fixtures.full, environment: ["PHAROS_TEST_REPLICA": "r1"])
        let reparsed = normalized(try PrometheusConfig.parse(original.yaml(), environment: [:]))
        let expected = normalized(redacted(original))
        // Compared section by section so a failure points at the section.
        #expect(reparsed.global == expected.global)
        #expect(reparsed.runtime == expected.runtime)
        #expect(reparsed.alerting == expected.alerting)
        #expect(reparsed.ruleFiles == expected.ruleFiles)
        #expect(reparsed.scrapeConfigs.count == expected.scrapeConfigs.count)
        for (got, want) in zip(reparsed.scrapeConfigs, expected.scrapeConfigs) {
            #expect(got.serviceDiscovery == want.serviceDiscovery, "\(want.jobName)")
            #expect(got.http == want.http, "\(want.jobName)")
            #expect(got.relabelConfigs == want.relabelConfigs, "\(want.jobName)")
            #expect(got == want, "\(want.jobName)")
        }
        #expect(reparsed.storage == expected.storage)
        #expect(reparsed.tracing == expected.tracing)
        #expect(reparsed.remoteWrite == expected.remoteWrite)
        #expect(reparsed.remoteRead == expected.remoteRead)
        #expect(reparsed.otlp == expected.otlp)
    }

    @Test(arguments: ["", "scrape_configs:\n  - job_name: a\n", "remote_write: [{url: http://x}]\n"])
    func smallConfigsReadBackTheSame(yaml: String) throws {
        let original = try PrometheusConfig.parse(yaml, environment: [:])
        #expect(normalized(try PrometheusConfig.parse(original.yaml(), environment: [:])) == normalized(original))
    }

    @Test func exampleReadsBackTheSame() throws {
        let original = try PrometheusConfig.load(file: Fixtures.repositoryRoot + "/examples/prometheus.yml", environment: [:])
        #expect(normalized(try PrometheusConfig.parse(original.yaml(), environment: [:])) == normalized(original))
    }

    @Test func showsDefaultsAsPrometheusDoes() throws {
        let yaml = try PrometheusConfig.parse("scrape_configs:\n  - job_name: a\n").yaml()
        #expect(yaml.contains("scrape_interval: 1m"))
        #expect(yaml.contains("scrape_timeout: 10s"))
        #expect(yaml.contains("evaluation_interval: 1m"))
        #expect(yaml.contains("metrics_path: /metrics"))
        #expect(yaml.contains("honor_timestamps: true"))
        #expect(yaml.contains("follow_redirects: true"))
    }

    /// Lines differ between the original and the serialized text.
    private func normalized(_ config: PrometheusConfig) -> PrometheusConfig {
        var config = config
        for index in config.scrapeConfigs.indices { config.scrapeConfigs[index].line = 0 }
        return config
    }

    /// What the original looks like once its secrets went through `<secret>`.
    private func redacted(_ config: PrometheusConfig) -> PrometheusConfig {
        var config = config
        let hidden = Secret(Secret.redacted)
        // "$$5" was written back as "$5", which a second load expands (as Prometheus would).
        config.global.externalLabels = Labels(config.global.externalLabels.map {
            Label(name: $0.name, value: $0.value == "$5" ? "" : $0.value)
        })
        for index in config.scrapeConfigs.indices {
            redact(&config.scrapeConfigs[index].http, hidden)
            for sd in config.scrapeConfigs[index].serviceDiscovery.consulSDConfigs.indices {
                config.scrapeConfigs[index].serviceDiscovery.consulSDConfigs[sd].token = hidden
            }
        }
        for index in config.alerting.alertmanagers.indices { redact(&config.alerting.alertmanagers[index].http, hidden) }
        for index in config.remoteWrite.indices { redact(&config.remoteWrite[index].http, hidden) }
        return config
    }

    private func redact(_ http: inout HTTPClientConfig, _ hidden: Secret) {
        if http.basicAuth?.password.isEmpty == false { http.basicAuth?.password = hidden }
        if http.authorization?.credentials.isEmpty == false { http.authorization?.credentials = hidden }
        if http.oauth2?.clientSecret.isEmpty == false { http.oauth2?.clientSecret = hidden }
        for (name, values) in http.proxy.proxyConnectHeader { http.proxy.proxyConnectHeader[name] = values.map { _ in hidden } }
        for (name, header) in http.httpHeaders {
            http.httpHeaders[name]?.secrets = header.secrets.map { _ in hidden }
        }
    }
}
