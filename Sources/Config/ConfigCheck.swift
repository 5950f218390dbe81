internal import Foundation

/// What `pharos check config` verifies beyond parsing, as `promtool check config` does: the rule
/// files named exist (or their globs are well formed), and files referenced for credentials and
/// TLS exist.
package enum ConfigCheck {
    /// The outcome of checking one config file.
    package struct Report: Sendable, Equatable {
        /// The rule files the config's `rule_files` globs match.
        package var ruleFiles: [String] = []
        /// Things worth telling that do not make the config invalid (e.g. a missing file SD file).
        package var warnings: [String] = []
    }

    /// Loads the config at `path` and checks the files it names.
    /// - Parameter syntaxOnly: skip the checks on other files, like promtool's `--syntax-only`.
    /// - Throws: `ConfigError` with promtool's wording for missing files.
    package static func check(file path: String, syntaxOnly: Bool = false) throws(ConfigError) -> Report {
        let config = try PrometheusConfig.load(file: path)
        var report = Report()
        for job in config.scrapeConfigs {
            try checkTLS(job.http.tls, syntaxOnly: syntaxOnly)
            for kubernetes in job.serviceDiscovery.kubernetesSDConfigs {
                try checkTLS(kubernetes.http.tls, syntaxOnly: syntaxOnly)
            }
        }
        if syntaxOnly { return report }
        for pattern in config.ruleFiles {
            let matches = Glob.expand(pattern)
            if !pattern.contains("*") && matches.isEmpty {
                throw .invalid("\"\(pattern)\" does not point to an existing file", line: 0)
            }
            report.ruleFiles += matches
        }
        for job in config.scrapeConfigs {
            if let file = job.http.authorization?.credentialsFile, !file.isEmpty, !exists(file) {
                throw .invalid("error checking authorization credentials or bearer token file \"\(file)\": stat \(file): no such file or directory", line: 0)
            }
            for fileSD in job.serviceDiscovery.fileSDConfigs {
                for pattern in fileSD.files where Glob.expand(pattern).isEmpty {
                    report.warnings.append("file \"\(pattern)\" for file_sd in scrape job \"\(job.jobName)\" does not exist")
                }
            }
        }
        for alertmanager in config.alerting.alertmanagers {
            for fileSD in alertmanager.serviceDiscovery.fileSDConfigs {
                for pattern in fileSD.files where Glob.expand(pattern).isEmpty {
                    report.warnings.append("file \"\(pattern)\" for file_sd in alertmanager config does not exist")
                }
            }
        }
        return report
    }

    private static func checkTLS(_ tls: TLSConfig, syntaxOnly: Bool) throws(ConfigError) {
        if !tls.certFile.isEmpty && tls.keyFile.isEmpty {
            throw .invalid("client cert file \"\(tls.certFile)\" specified without client key file", line: 0)
        }
        if !tls.keyFile.isEmpty && tls.certFile.isEmpty {
            throw .invalid("client key file \"\(tls.keyFile)\" specified without client cert file", line: 0)
        }
        if syntaxOnly { return }
        for (what, file) in [("client cert", tls.certFile), ("client key", tls.keyFile)] where !file.isEmpty && !exists(file) {
            throw .invalid("error checking \(what) file \"\(file)\": stat \(file): no such file or directory", line: 0)
        }
    }

    private static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
}
