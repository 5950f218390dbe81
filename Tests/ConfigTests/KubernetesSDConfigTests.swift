import Config
import Testing

@Suite struct KubernetesSDConfigTests {
    private func config(label: String = "", field: String = "", role: String = "pod") -> String {
        """
        scrape_configs:
          - job_name: k
            kubernetes_sd_configs:
              - role: \(role)
                selectors:
                  - role: \(role)
                    label: '\(label)'
                    field: '\(field)'
        """
    }

    @Test(arguments: [
        "app=api", "app==api", "app!=api", "app in (a, b)", "app notin (a,b)", "!canary", "env", "tier in (a),x=y",
        "example.com/team=infra, replicas>1", "",
    ])
    func acceptsLabelSelectors(label: String) throws {
        _ = try PrometheusConfig.parse(config(label: label), environment: [:])
    }

    @Test(arguments: ["app in a", "tier in ()", "-app=x", "app=-x", "a b", "app>x", "Example.COM/team=x", ","])
    func refusesLabelSelectors(label: String) {
        #expect(throws: ConfigError.self) { try PrometheusConfig.parse(config(label: label), environment: [:]) }
    }

    @Test(arguments: ["metadata.name=x", "spec.nodeName!=n,status.phase==Running", ""])
    func acceptsFieldSelectors(field: String) throws {
        _ = try PrometheusConfig.parse(config(field: field), environment: [:])
    }

    @Test func refusesFieldSelectorWithoutOperator() {
        #expect(throws: ConfigError.invalid("invalid selector: 'metadata.name'; can't understand 'metadata.name'", line: 4)) {
            try PrometheusConfig.parse(config(field: "metadata.name"), environment: [:])
        }
    }

    @Test func refusesSelectorRolesTheRoleCannotUse() {
        let yaml = """
            scrape_configs:
              - job_name: k
                kubernetes_sd_configs:
                  - role: service
                    selectors: [{role: pod, label: "a=b"}]
            """
        #expect(throws: ConfigError.invalid("service role supports only service selectors", line: 4)) {
            try PrometheusConfig.parse(yaml, environment: [:])
        }
    }

    @Test func refusesKubeconfigWithCustomHTTP() {
        let yaml = """
            scrape_configs:
              - job_name: k
                kubernetes_sd_configs:
                  - role: node
                    kubeconfig_file: /k
                    basic_auth: {username: u}
            """
        #expect(throws: ConfigError.invalid("cannot use a custom HTTP client configuration together with 'kubeconfig_file'", line: 4)) {
            try PrometheusConfig.parse(yaml, environment: [:])
        }
    }
}
