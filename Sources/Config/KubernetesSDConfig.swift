internal import Yams

/// `kubernetes_sd_configs` entry (`discovery/kubernetes`).
package struct KubernetesSDConfig: Sendable, Equatable, YAMLStruct {
    /// The kinds of object a Kubernetes SD config discovers.
    package enum Role: String, Sendable, CaseIterable, YAMLCodable {
        case node, pod, service, endpoints, endpointslice, ingress

        static func decode(_ node: Node) throws(ConfigError) -> Role {
            let text = try String.decode(node)
            guard let role = Role(rawValue: text) else {
                throw .invalid("unknown Kubernetes SD role \"\(text)\"", line: node.line)
            }
            return role
        }
        func encode() -> Node? { .plain(rawValue) }
    }

    /// `api_server`; in-cluster configuration when empty.
    package var apiServer = ""
    /// `role` (required).
    package var role: Role?
    /// `kubeconfig_file`.
    package var kubeconfigFile = ""
    /// The inlined `<http_config>`.
    package var http = HTTPClientConfig()
    /// `namespaces`.
    package var namespaces = NamespaceDiscovery()
    /// `selectors`.
    package var selectors: [Selector] = []
    /// `attach_metadata`.
    package var attachMetadata = AttachMetadata()
    /// `include_finished_pods` (Pharos only): keep pods in phase `Succeeded` or `Failed` as
    /// targets of the pod role, as Prometheus does; false by default (prometheus#10257).
    package var includeFinishedPods = false

    /// The defaults.
    package init() {}

    static var yamlTypeName: String { "kubernetes.SDConfig" }
    static var yamlFields: [YAMLField<KubernetesSDConfig>] {
        [
            YAMLField("api_server", \.apiServer), YAMLField("role", \.role, omitEmpty: false),
            YAMLField("kubeconfig_file", \.kubeconfigFile, omitEmpty: false),
        ] + YAMLField.inline(\.http) + [
            YAMLField("namespaces", \.namespaces), YAMLField("selectors", \.selectors),
            YAMLField("attach_metadata", \.attachMetadata),
            YAMLField("include_finished_pods", \.includeFinishedPods),
        ]
    }
    static func decodeNull(line: Int) throws(ConfigError) -> KubernetesSDConfig {
        throw .invalid("empty or null section in kubernetes_sd_configs", line: line)
    }

    /// Which selector roles each discovery role accepts (`SDConfig.UnmarshalYAML`).
    private static let allowedSelectors: [Role: [Role]] = [
        .pod: [.pod, .node], .service: [.service], .endpointslice: [.pod, .service, .endpointslice],
        .endpoints: [.pod, .service, .endpoints], .node: [.node], .ingress: [.ingress],
    ]

    mutating func validate(line: Int) throws(ConfigError) {
        func fail(_ message: String) -> ConfigError { .invalid(message, line: line) }
        guard let role else { throw fail("role missing (one of: pod, service, endpoints, endpointslice, node, ingress)") }
        try http.validate(line: line)
        try http.checkSupportedByDiscovery("kubernetes_sd_configs", line: line)
        let customHTTP = http != HTTPClientConfig()
        if !apiServer.isEmpty && !kubeconfigFile.isEmpty {
            throw fail("cannot use 'kubeconfig_file' and 'api_server' simultaneously")
        }
        if !kubeconfigFile.isEmpty && customHTTP {
            throw fail("cannot use a custom HTTP client configuration together with 'kubeconfig_file'")
        }
        if apiServer.isEmpty && customHTTP {
            throw fail("to use custom HTTP client configuration please provide the 'api_server' URL explicitly")
        }
        if !apiServer.isEmpty && namespaces.ownNamespace {
            throw fail("cannot use 'api_server' and 'namespaces.own_namespace' simultaneously")
        }
        if !kubeconfigFile.isEmpty && namespaces.ownNamespace {
            throw fail("cannot use 'kubeconfig_file' and 'namespaces.own_namespace' simultaneously")
        }
        var seen: Set<Role> = []
        let allowed = KubernetesSDConfig.allowedSelectors[role] ?? []
        for selector in selectors {
            guard let selectorRole = selector.role else { throw fail("selector role missing") }
            if !seen.insert(selectorRole).inserted { throw fail("duplicated selector role: \(selectorRole.rawValue)") }
            if !allowed.contains(selectorRole) {
                throw fail("\(role.rawValue) role supports only \(allowed.map(\.rawValue).joined(separator: ", ")) selectors")
            }
            if let error = KubernetesSelectors.fieldSelectorError(selector.field) { throw fail(error) }
            if let error = KubernetesSelectors.labelSelectorError(selector.label) { throw fail(error) }
        }
    }

    /// `namespaces`.
    package struct NamespaceDiscovery: Sendable, Equatable, YAMLStruct {
        /// `own_namespace`: include the namespace Pharos runs in.
        package var ownNamespace = false
        /// `names`; all namespaces when empty.
        package var names: [String] = []
        /// All namespaces.
        package init() {}
        static var yamlTypeName: String { "kubernetes.NamespaceDiscovery" }
        static var yamlFields: [YAMLField<NamespaceDiscovery>] {
            [YAMLField("own_namespace", \.ownNamespace, omitEmpty: false), YAMLField("names", \.names, omitEmpty: false)]
        }
    }

    /// One `selectors` entry: label and field selectors for one role.
    package struct Selector: Sendable, Equatable, YAMLStruct {
        /// `role`.
        package var role: Role?
        /// `label` selector.
        package var label = ""
        /// `field` selector.
        package var field = ""
        /// An empty selector.
        package init() {}
        static var yamlTypeName: String { "kubernetes.SelectorConfig" }
        static var yamlFields: [YAMLField<Selector>] {
            [YAMLField("role", \.role), YAMLField("label", \.label), YAMLField("field", \.field)]
        }
    }

    /// `attach_metadata`.
    package struct AttachMetadata: Sendable, Equatable, YAMLStruct {
        /// `node`: attach node metadata to pods and endpoints.
        package var node = false
        /// `namespace`: attach namespace metadata.
        package var namespace = false
        /// `deployment`: attach the owning deployment.
        package var deployment = false
        /// `job`: attach the owning job.
        package var job = false
        /// `cronjob`: attach the owning cron job.
        package var cronJob = false
        /// Nothing attached.
        package init() {}
        static var yamlTypeName: String { "kubernetes.AttachMetadataConfig" }
        static var yamlFields: [YAMLField<AttachMetadata>] {
            [
                YAMLField("node", \.node, omitEmpty: false), YAMLField("namespace", \.namespace, omitEmpty: false),
                YAMLField("deployment", \.deployment, omitEmpty: false), YAMLField("job", \.job, omitEmpty: false),
                YAMLField("cronjob", \.cronJob, omitEmpty: false),
            ]
        }
    }
}
