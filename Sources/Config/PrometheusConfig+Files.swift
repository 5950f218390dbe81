internal import Foundation
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

extension PrometheusConfig {
    /// Makes relative paths relative to `directory` (the config file's), as upstream's
    /// `SetDirectory`: rule files, scrape config files, file SD files and credential files.
    mutating func setDirectory(_ directory: String) {
        func join(_ path: String) -> String {
            path.isEmpty || path.hasPrefix("/") || directory.isEmpty ? path : directory + "/" + path
        }
        ruleFiles = ruleFiles.map(join)
        scrapeConfigFiles = scrapeConfigFiles.map(join)
        global.queryLogFile = join(global.queryLogFile)
        global.scrapeFailureLogFile = join(global.scrapeFailureLogFile)
        for index in scrapeConfigs.indices { scrapeConfigs[index].setDirectory(join) }
        for index in alerting.alertmanagers.indices {
            alerting.alertmanagers[index].serviceDiscovery.setDirectory(join)
            alerting.alertmanagers[index].http.setDirectory(join)
        }
        for index in remoteWrite.indices { remoteWrite[index].http.setDirectory(join) }
        for index in remoteRead.indices { remoteRead[index].http.setDirectory(join) }
    }

    /// Reads the files `scrape_config_files` matches and appends their jobs, resolved against
    /// `global`; a job name may appear only once across all files (upstream's `GetScrapeConfigs`).
    /// - Throws: `ConfigError.inFile` naming the file with the problem.
    mutating func loadScrapeConfigFiles() throws(ConfigError) {
        var firstSeen: [String: String] = [:]
        for job in scrapeConfigs { firstSeen[job.jobName] = "main config file" }
        for pattern in scrapeConfigFiles {
            for path in Glob.expand(pattern) {
                let text = try PrometheusConfig.readFile(path)
                do {
                    guard let root = try PrometheusConfig.composeYAML(text) else { continue }
                    var file = try ScrapeConfigFile.decode(root)
                    for index in file.scrapeConfigs.indices {
                        try file.scrapeConfigs[index].resolve(global: global)
                        let job = file.scrapeConfigs[index]
                        if let first = firstSeen[job.jobName] {
                            throw ConfigError.invalid(
                                "found multiple scrape configs with job name \"\(job.jobName)\", first found in \(first)",
                                line: job.line)
                        }
                        firstSeen[job.jobName] = "\"\(path)\""
                        let directory = (path as NSString).deletingLastPathComponent
                        file.scrapeConfigs[index].setDirectory { path in
                            path.isEmpty || path.hasPrefix("/") ? path : directory + "/" + path
                        }
                        scrapeConfigs.append(file.scrapeConfigs[index])
                    }
                } catch let error as ConfigError {
                    throw .inFile(path: path, error)
                } catch {
                    preconditionFailure("BUG: only ConfigError is thrown here: \(error)")
                }
            }
        }
    }
}

/// A file named by `scrape_config_files`: only `scrape_configs`.
struct ScrapeConfigFile: YAMLStruct, Equatable {
    var scrapeConfigs: [ScrapeConfig] = []
    init() {}
    static var yamlTypeName: String { "config.ScrapeConfigs" }
    static var yamlFields: [YAMLField<ScrapeConfigFile>] { [YAMLField("scrape_configs", \.scrapeConfigs)] }
}

extension ScrapeConfig {
    mutating func setDirectory(_ join: (String) -> String) {
        scrapeFailureLogFile = join(scrapeFailureLogFile)
        serviceDiscovery.setDirectory(join)
        http.setDirectory(join)
    }
}

extension ServiceDiscoveryConfigs {
    mutating func setDirectory(_ join: (String) -> String) {
        for index in fileSDConfigs.indices { fileSDConfigs[index].files = fileSDConfigs[index].files.map(join) }
        for index in httpSDConfigs.indices { httpSDConfigs[index].http.setDirectory(join) }
        for index in consulSDConfigs.indices { consulSDConfigs[index].http.setDirectory(join) }
        for index in kubernetesSDConfigs.indices {
            kubernetesSDConfigs[index].http.setDirectory(join)
            kubernetesSDConfigs[index].kubeconfigFile = join(kubernetesSDConfigs[index].kubeconfigFile)
        }
    }
}

extension HTTPClientConfig {
    mutating func setDirectory(_ join: (String) -> String) {
        tls.setDirectory(join)
        if var auth = basicAuth {
            auth.usernameFile = join(auth.usernameFile)
            auth.passwordFile = join(auth.passwordFile)
            basicAuth = auth
        }
        if var auth = authorization {
            auth.credentialsFile = join(auth.credentialsFile)
            authorization = auth
        }
        if var auth = oauth2 {
            auth.clientSecretFile = join(auth.clientSecretFile)
            auth.clientCertificateKeyFile = join(auth.clientCertificateKeyFile)
            auth.tls.setDirectory(join)
            oauth2 = auth
        }
        for (name, header) in httpHeaders {
            var header = header
            header.files = header.files.map(join)
            httpHeaders[name] = header
        }
    }
}

extension TLSConfig {
    mutating func setDirectory(_ join: (String) -> String) {
        caFile = join(caFile)
        certFile = join(certFile)
        keyFile = join(keyFile)
    }
}

/// Shell-style globbing (`*`, `?`, `[...]`) through the C library, as Go's `filepath.Glob`.
package enum Glob {
    /// The existing paths `pattern` matches, sorted; empty if none (or the pattern is malformed).
    package static func expand(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard glob(pattern, 0, nil, &result) == 0 else { return [] }
        var paths: [String] = []
        for index in 0..<Int(result.gl_pathc) {
            if let path = result.gl_pathv[index] { paths.append(String(cString: path)) }
        }
        return paths.sorted()
    }
}
