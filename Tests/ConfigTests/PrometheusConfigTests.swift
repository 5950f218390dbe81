import Config
import Foundation
import Model
import Testing

@Suite struct PrometheusConfigTests {
    @Test func emptyFileGivesPrometheusDefaults() throws {
        let config = try PrometheusConfig.parse("")
        #expect(config == PrometheusConfig())
        #expect(config.global.scrapeInterval == .seconds(60))
        #expect(config.global.scrapeTimeout == .seconds(10))
        #expect(config.global.evaluationInterval == .seconds(60))
        #expect(config.global.ruleQueryOffset == .zero)
        #expect(config.global.metricNameValidationScheme == .utf8)
        #expect(config.runtime.gogc == 75)
        #expect(config.storage.exemplars.maxExemplars == 100_000)
        #expect(config.otlp.translationStrategy == "UnderscoreEscapingWithSuffixes")
    }

    @Test func jobDefaultsComeFromPrometheusAndGlobal() throws {
        let config = try PrometheusConfig.parse("""
            global:
              scrape_interval: 5s
              sample_limit: 7
            scrape_configs:
              - job_name: a
            """)
        let job = try #require(config.scrapeConfigs.first)
        #expect(job.scrapeInterval == .seconds(5))
        #expect(job.scrapeTimeout == .seconds(5))  // min(global timeout 10s, interval 5s)
        #expect(job.limits.sampleLimit == 7)
        #expect(job.metricsPath == "/metrics")
        #expect(job.scheme == "http")
        #expect(job.honorTimestamps)
        #expect(!job.honorLabels)
        #expect(job.enableCompression)
        #expect(job.http.followRedirects)
        #expect(job.http.enableHTTP2)
        #expect(job.scrapeProtocols == ScrapeProtocol.defaultOrder)
        #expect(job.metricNameValidationScheme == .utf8)
        #expect(job.metricNameEscapingScheme == "allow-utf-8")
    }

    @Test func remoteWriteQueueDefaults() throws {
        let config = try PrometheusConfig.parse("remote_write:\n  - url: http://localhost:9201/write\n")
        let write = try #require(config.remoteWrite.first)
        #expect(write.remoteTimeout == .seconds(30))
        #expect(write.protobufMessage == .v1)
        #expect(!write.http.enableHTTP2)
        #expect(write.queueConfig.capacity == 10_000)
        #expect(write.queueConfig.maxShards == 50)
        #expect(write.queueConfig.minShards == 1)
        #expect(write.queueConfig.maxSamplesPerSend == 2_000)
        #expect(write.queueConfig.batchSendDeadline == .seconds(5))
        #expect(write.queueConfig.minBackoff == .milliseconds(30))
        #expect(write.queueConfig.maxBackoff == .seconds(5))
        #expect(write.metadataConfig.send)
        #expect(write.metadataConfig.sendInterval == .seconds(60))
        #expect(write.metadataConfig.maxSamplesPerSend == 2_000)
    }

    @Test func parsesTheExampleConfig() throws {
        let config = try PrometheusConfig.load(file: Fixtures.repositoryRoot + "/examples/prometheus.yml")
        #expect(config.scrapeConfigs.map(\.jobName) == ["pharos", "node"])
        #expect(config.scrapeConfigs[0].serviceDiscovery.staticConfigs.first?.targets == ["localhost:9090"])
        #expect(config.scrapeConfigs[1].serviceDiscovery.staticConfigs.first?.targets == ["localhost:9100"])
        #expect(config.scrapeConfigs[1].scrapeInterval == .seconds(30))
        for pattern in config.ruleFiles { #expect(!Glob.expand(pattern).isEmpty, "rule file \(pattern) must exist") }
    }

    @Test func parsesEverySectionOfALargeConfig() throws {
        let config = try PrometheusConfig.parse(Fixtures.full, environment: ["PHAROS_TEST_REPLICA": "r1"])
        let global = config.global
        #expect(global.scrapeInterval == .seconds(30))
        #expect(global.scrapeTimeout == .seconds(20))
        #expect(global.evaluationInterval == .seconds(90))
        #expect(global.ruleQueryOffset == .seconds(10))
        #expect(global.externalLabels == Labels(["cluster": "eu-west-1", "replica": "r1", "price": "$5"]))
        #expect(global.limits.bodySizeLimit == ByteSize(bytes: 10 * 1_048_576))
        #expect(global.scrapeProtocols == [.openMetricsText100, .prometheusText004])
        #expect(global.extraScrapeMetrics)
        #expect(config.runtime.gogc == 50)
        #expect(config.ruleFiles == ["rules/*.yml", "/etc/pharos/alerts.yml"])

        let jobs = Dictionary(uniqueKeysWithValues: config.scrapeConfigs.map { ($0.jobName, $0) })
        let pharos = try #require(jobs["pharos"])
        #expect(pharos.scrapeInterval == .seconds(30))
        #expect(pharos.scrapeTimeout == .seconds(20))
        #expect(pharos.limits.bodySizeLimit == ByteSize(bytes: 10 * 1_048_576))
        #expect(pharos.limits.sampleLimit == 50_000 && pharos.limits.keepDroppedTargets == 100)
        #expect(pharos.limits.labelValueLengthLimit == 2_048 && pharos.limits.targetLimit == 1_000)
        #expect(pharos.alwaysScrapeClassicHistograms == true)
        #expect(pharos.scrapeFailureLogFile == "failures.log")
        #expect(pharos.scrapeProtocols == [.openMetricsText100, .prometheusText004])

        let node = try #require(jobs["node"])
        #expect(node.scrapeTimeout == .seconds(5))
        #expect(node.honorLabels && !node.honorTimestamps && node.trackTimestampsStaleness)
        #expect(node.params == ["module": ["http_2xx"]])
        #expect(node.fallbackScrapeProtocol == .prometheusText004)
        #expect(node.nativeHistogramMinBucketFactor == 1.1)
        #expect(node.limits.bodySizeLimit == ByteSize(bytes: 512 * 1_024))
        #expect(node.limits.sampleLimit == 10_000 && node.limits.labelLimit == 64)
        #expect(node.metricNameValidationScheme == .legacy)
        #expect(node.http.basicAuth?.password == Secret("s3cr3t-basic"))
        #expect(node.http.tls.minVersion == "TLS12")
        #expect(!node.http.followRedirects && !node.http.enableHTTP2)
        #expect(node.http.proxy.proxyConnectHeader["Proxy-Token"] == [Secret("proxy-s3cr3t")])
        #expect(node.http.httpHeaders["X-Scope-OrgID"]?.secrets == [Secret("header-s3cr3t")])
        #expect(node.serviceDiscovery.staticConfigs.first?.labels == Labels(["datacenter": "dc1"]))
        #expect(node.serviceDiscovery.fileSDConfigs.first?.refreshInterval == .seconds(60))
        #expect(node.relabelConfigs.map(\.action) == [.replace, .hashmod, .labelmap, .keep, .labeldrop])
        #expect(node.relabelConfigs[1].modulus == 4)
        #expect(node.metricRelabelConfigs.map(\.action) == [.drop, .lowercase])

        let discovered = try #require(jobs["discovered"])
        #expect(discovered.http.authorization == Authorization(type: "Bearer", credentials: "bearer-s3cr3t"))
        #expect(discovered.serviceDiscovery.httpSDConfigs.first?.refreshInterval == .seconds(120))
        #expect(discovered.serviceDiscovery.dnsSDConfigs.map(\.type) == ["SRV", "A"])
        #expect(discovered.serviceDiscovery.dnsSDConfigs.first?.refreshInterval == .seconds(30))
        let consul = try #require(discovered.serviceDiscovery.consulSDConfigs.first)
        #expect(consul.token == Secret("consul-s3cr3t") && !consul.allowStale && consul.tagSeparator == ",")
        let kubernetes = discovered.serviceDiscovery.kubernetesSDConfigs
        #expect(kubernetes.map(\.role) == [.pod, .endpoints])
        #expect(kubernetes[1].http.authorization?.credentialsFile == "/var/run/secrets/token")
        #expect(kubernetes[0].attachMetadata.node)

        #expect(jobs["oauth"]?.http.oauth2?.clientSecret == Secret("oauth-s3cr3t"))

        #expect(config.alerting.alertRelabelConfigs.first?.action == .labeldrop)
        #expect(config.alerting.alertmanagers.count == 2)
        #expect(config.alerting.alertmanagers[0].timeout == .seconds(15))
        #expect(config.alerting.alertmanagers[1].timeout == .seconds(10))

        let write = try #require(config.remoteWrite.first)
        #expect(write.protobufMessage == .v2)
        #expect(write.queueConfig.capacity == 20_000 && write.queueConfig.sampleAgeLimit == .seconds(3_600))
        #expect(write.queueConfig.retryOnRateLimit)
        #expect(!write.metadataConfig.send)
        #expect(config.remoteRead.first?.requiredMatchers == Labels(["env": "prod"]))
        #expect(config.remoteRead.first?.filterExternalLabels == false)
        #expect(config.storage.tsdb.outOfOrderTimeWindow == .seconds(1_800))
        #expect(config.storage.exemplars.maxExemplars == 500_000)
        #expect(config.otlp.promoteResourceAttributes == ["service.name", "k8s.pod.name"])
        #expect(config.tracing.samplingFraction == 0.1 && config.tracing.compression == "gzip")
    }

    @Test func yamlMergeKeysAreExpanded() throws {
        let config = try PrometheusConfig.parse("""
            scrape_configs:
              - &base
                job_name: a
                scrape_interval: 10s
              - <<: *base
                job_name: b
            """)
        #expect(config.scrapeConfigs.map(\.jobName) == ["a", "b"])
        #expect(config.scrapeConfigs[1].scrapeInterval == .seconds(10))
    }

    @Test func loadMakesPathsRelativeToTheConfigAndMergesScrapeConfigFiles() throws {
        let directory = try Fixtures.scratchDirectory()
        try FileManager.default.createDirectory(atPath: directory + "/jobs", withIntermediateDirectories: true)
        try Fixtures.write("scrape_configs:\n  - job_name: extra\n    file_sd_configs:\n      - files: [t.json]\n", to: "jobs/a.yml", in: directory)
        try Fixtures.write("scrape_configs:\n  - job_name: more\n", to: "jobs/b.yml", in: directory)
        let main = try Fixtures.write("""
            global:
              scrape_interval: 7s
            rule_files: [rules.yml]
            scrape_config_files: ["jobs/*.yml"]
            scrape_configs:
              - job_name: main
            """, to: "prometheus.yml", in: directory)
        let config = try PrometheusConfig.load(file: main)
        #expect(config.ruleFiles == [directory + "/rules.yml"])
        #expect(config.scrapeConfigs.map(\.jobName) == ["main", "extra", "more"])
        #expect(config.scrapeConfigs[1].scrapeInterval == .seconds(7))
        #expect(config.scrapeConfigs[1].serviceDiscovery.fileSDConfigs.first?.files == [directory + "/jobs/t.json"])
    }

    @Test func duplicateJobAcrossScrapeConfigFilesIsRefused() throws {
        let directory = try Fixtures.scratchDirectory()
        let extra = try Fixtures.write("scrape_configs:\n  - job_name: main\n", to: "extra.yml", in: directory)
        let main = try Fixtures.write(
            "scrape_config_files: [extra.yml]\nscrape_configs:\n  - job_name: main\n", to: "prometheus.yml", in: directory)
        #expect(throws: ConfigError.inFile(
            path: extra,
            .invalid("found multiple scrape configs with job name \"main\", first found in main config file", line: 2))
        ) { try PrometheusConfig.load(file: main) }
    }
}
