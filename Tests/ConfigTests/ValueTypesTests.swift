import Config
import Model
import Testing

@Suite struct ByteSizeTests {
    static let valid: [(String, Int64)] = [
        ("0", 0), ("1B", 1), ("1KB", 1_024), ("1KiB", 1_024), ("10MB", 10_485_760),
        ("10MiB", 10_485_760), ("1GB", 1_073_741_824), ("1.5GB", 1_610_612_736), ("1GB512MB", 1_610_612_736),
        ("2TiB", 2_199_023_255_552),
    ]

    @Test(arguments: valid)
    func parsesBase2Units(text: String, bytes: Int64) throws {
        #expect(try ByteSize(parsing: text).bytes == bytes)
    }

    @Test(arguments: ["", "MB", "1024", "10kb", "10 MB", "ten", "1.2.3MB", "10XB", "-"])
    func refusesWhatPrometheusRefuses(text: String) {
        #expect(throws: ConfigError.self) { try ByteSize(parsing: text) }
    }

    @Test func printsTheLargestExactUnit() {
        #expect(ByteSize(bytes: 10_485_760).prometheusString == "10MiB")
        #expect(ByteSize(bytes: 1_536).prometheusString == "1536B")
        #expect(ByteSize(bytes: 3_072).prometheusString == "3KiB")
        #expect(ByteSize(bytes: 1_000).prometheusString == "1000B")
        #expect(ByteSize(bytes: 0).prometheusString == "0B")
    }
}

@Suite struct ExternalLabelsTests {
    @Test func environmentReferencesAreExpandedAsPrometheusDoes() throws {
        let config = try PrometheusConfig.parse(
            """
            global:
              external_labels:
                a: "${REGION}-1"
                b: "$REGION/$ZONE"
                c: "$$literal"
                d: "${MISSING}"
                e: "plain"
            """, environment: ["REGION": "eu", "ZONE": "z1"])
        #expect(config.global.externalLabels == Labels(["a": "eu-1", "b": "eu/z1", "c": "$literal", "d": "", "e": "plain"]))
    }
}

@Suite struct ConfigCheckTests {
    @Test func countsRuleFilesAndRefusesMissingOnes() throws {
        let directory = try Fixtures.scratchDirectory()
        try Fixtures.write("groups: []\n", to: "a.rules.yml", in: directory)
        try Fixtures.write("groups: []\n", to: "b.rules.yml", in: directory)
        let good = try Fixtures.write("rule_files: [\"*.rules.yml\", a.rules.yml]\n", to: "good.yml", in: directory)
        #expect(try ConfigCheck.check(file: good).ruleFiles.count == 3)

        let bad = try Fixtures.write("rule_files: [missing.yml]\n", to: "bad.yml", in: directory)
        #expect(throws: ConfigError.invalid("\"\(directory)/missing.yml\" does not point to an existing file", line: 0)) {
            try ConfigCheck.check(file: bad)
        }
        #expect(try ConfigCheck.check(file: bad, syntaxOnly: true).ruleFiles.isEmpty)
    }

    @Test func warnsAboutMissingFileSDFiles() throws {
        let directory = try Fixtures.scratchDirectory()
        let path = try Fixtures.write(
            "scrape_configs:\n  - job_name: a\n    file_sd_configs: [{files: [nothing.json]}]\n", to: "p.yml", in: directory)
        #expect(try ConfigCheck.check(file: path).warnings
            == ["file \"\(directory)/nothing.json\" for file_sd in scrape job \"a\" does not exist"])
    }

    @Test func unreadableFileIsAnError() {
        #expect(throws: ConfigError.unreadable(path: "/nonexistent/prometheus.yml", reason: "no such file or directory")) {
            try ConfigCheck.check(file: "/nonexistent/prometheus.yml")
        }
    }
}
