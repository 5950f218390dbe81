package import Config
import Model

/// A reference to one object in the provider's stores.
struct KubeRef: Hashable, Sendable {
    var resource: KubeResource
    var key: String
}

/// The provider's copies of the objects it watches, by kind and `namespace/name`.
typealias KubeStores = [KubeResource: [String: any KubeObject]]

/// What a group's builder looks up besides its own object; every reference it asks for (found or
/// not) is recorded, so a change to one of them rebuilds the group.
struct KubeLookup {
    let stores: KubeStores
    private(set) var touched: Set<KubeRef> = []

    init(stores: KubeStores) { self.stores = stores }

    mutating func find<T: KubeObject>(_ resource: KubeResource, _ key: String, as type: T.Type) -> T? {
        touched.insert(KubeRef(resource: resource, key: key))
        return stores[resource]?[key] as? T
    }
}

/// Builds target groups with Prometheus 3's `__meta_kubernetes_*` labels for each role
/// (`discovery/kubernetes`: `pod.go`, `service.go`, `node.go`, `endpointslice.go`,
/// `endpoints.go`, `ingress.go`). Labels with empty values are left out, which is what
/// Prometheus's target building does with them too.
package struct KubernetesTargets: Sendable {
    static let prefix = "__meta_kubernetes_"
    static let namespaceLabel = prefix + "namespace"

    var attach: KubernetesSDConfig.AttachMetadata
    /// Pharos: keep `Succeeded` and `Failed` pods as targets (Prometheus does; most users do not want them).
    var includeFinishedPods: Bool

    package init(attach: KubernetesSDConfig.AttachMetadata, includeFinishedPods: Bool) {
        self.attach = attach
        self.includeFinishedPods = includeFinishedPods
    }

    // MARK: Shared label sets

    /// `<role>_name`, `<role>_label_*`, `<role>_labelpresent_*`, `<role>_annotation_*`,
    /// `<role>_annotationpresent_*` (`addObjectMetaLabels`).
    static func addObjectMeta(_ meta: Kube.ObjectMeta, role: String, to labels: inout LabelsBuilder) {
        labels.set(Self.prefix + role + "_name", meta.name ?? "")
        addLabelsAndAnnotations(meta, resource: role, to: &labels)
    }

    static func addLabelsAndAnnotations(_ meta: Kube.ObjectMeta, resource: String, to labels: inout LabelsBuilder) {
        for (name, value) in (meta.labels ?? [:]).sorted(by: { $0.key < $1.key }) {
            let sanitized = LabelNameSanitizer.sanitize(name)
            labels.set(Self.prefix + resource + "_label_" + sanitized, value)
            labels.set(Self.prefix + resource + "_labelpresent_" + sanitized, "true")
        }
        for (name, value) in (meta.annotations ?? [:]).sorted(by: { $0.key < $1.key }) {
            let sanitized = LabelNameSanitizer.sanitize(name)
            labels.set(Self.prefix + resource + "_annotation_" + sanitized, value)
            labels.set(Self.prefix + resource + "_annotationpresent_" + sanitized, "true")
        }
    }

    /// `attach_metadata: {namespace: true}`: the namespace's labels and annotations.
    private func addNamespaceMetadata(_ namespace: String, lookup: inout KubeLookup, to labels: inout LabelsBuilder) {
        guard attach.namespace, let object = lookup.find(.namespaces, namespace, as: Kube.MetadataOnly.self) else { return }
        Self.addLabelsAndAnnotations(object.metadata, resource: "namespace", to: &labels)
    }

    /// `attach_metadata: {node: true}`: the node's name, labels and annotations.
    private func addNodeMetadata(_ nodeName: String?, lookup: inout KubeLookup, to labels: inout LabelsBuilder) {
        guard attach.node, let nodeName, let node = lookup.find(.nodes, nodeName, as: Kube.Node.self) else { return }
        Self.addObjectMeta(node.metadata, role: "node", to: &labels)
    }

    /// The pod's own labels (`podLabels`), controller and attached owners included.
    private func podLabels(_ pod: Kube.Pod, lookup: inout KubeLookup, to labels: inout LabelsBuilder) {
        labels.set(Self.prefix + "pod_ip", pod.status?.podIP ?? "")
        let ready = pod.status?.conditions?.first { $0.type == "Ready" }?.status ?? "Unknown"
        labels.set(Self.prefix + "pod_ready", ready.lowercased())
        labels.set(Self.prefix + "pod_phase", pod.status?.phase ?? "")
        labels.set(Self.prefix + "pod_node_name", pod.spec?.nodeName ?? "")
        labels.set(Self.prefix + "pod_host_ip", pod.status?.hostIP ?? "")
        labels.set(Self.prefix + "pod_uid", pod.metadata.uid ?? "")
        Self.addObjectMeta(pod.metadata, role: "pod", to: &labels)
        guard let controller = pod.metadata.controller else { return }
        labels.set(Self.prefix + "pod_controller_kind", controller.kind ?? "")
        labels.set(Self.prefix + "pod_controller_name", controller.name ?? "")
        let ownerKey = (pod.metadata.namespace ?? "") + "/" + (controller.name ?? "")
        switch controller.kind {
        case "ReplicaSet" where attach.deployment:
            if let owner = lookup.find(.replicasets, ownerKey, as: Kube.MetadataOnly.self)?.metadata.controller,
               owner.kind == "Deployment" {
                labels.set(Self.prefix + "pod_deployment_name", owner.name ?? "")
            }
        case "Job":
            if attach.job { labels.set(Self.prefix + "pod_job_name", controller.name ?? "") }
            if attach.cronJob, let owner = lookup.find(.jobs, ownerKey, as: Kube.MetadataOnly.self)?.metadata.controller,
               owner.kind == "CronJob" {
                labels.set(Self.prefix + "pod_cronjob_name", owner.name ?? "")
            }
        default: break
        }
    }

    /// The containers, then the init containers, each with whether it is an init container.
    private static func containers(_ pod: Kube.Pod) -> [(container: Kube.Container, isInit: Bool)] {
        (pod.spec?.containers ?? []).map { ($0, false) } + (pod.spec?.initContainers ?? []).map { ($0, true) }
    }

    private static func setContainerPort(_ container: Kube.Container, _ port: Kube.ContainerPort, isInit: Bool,
                                         to labels: inout LabelsBuilder) {
        labels.set(Self.prefix + "pod_container_name", container.name ?? "")
        labels.set(Self.prefix + "pod_container_image", container.image ?? "")
        labels.set(Self.prefix + "pod_container_port_name", port.name ?? "")
        labels.set(Self.prefix + "pod_container_port_number", String(port.containerPort ?? 0))
        labels.set(Self.prefix + "pod_container_port_protocol", port.protocol ?? "")
        labels.set(Self.prefix + "pod_container_init", String(isInit))
    }

    // MARK: Roles

    static func source(_ resource: KubeResource, key: String) -> String {
        switch resource {
        case .pods: "pod/" + key
        case .services: "svc/" + key
        case .nodes: "node/" + key
        case .endpointslices: "endpointslice/" + key
        case .endpoints: "endpoints/" + key
        case .ingresses: "ingress/" + key
        default: resource.rawValue + "/" + key
        }
    }

    /// `role: pod`: one target per container port, one port-less target per container without ports.
    func pod(_ pod: Kube.Pod, lookup: inout KubeLookup) -> DiscoveredTargetGroup {
        var group = DiscoveredTargetGroup(source: Self.source(.pods, key: pod.metadata.key))
        guard let podIP = pod.status?.podIP, !podIP.isEmpty else { return group }
        if !includeFinishedPods, pod.status?.phase == "Succeeded" || pod.status?.phase == "Failed" { return group }
        if attach.node, lookup.find(.nodes, pod.spec?.nodeName ?? "", as: Kube.Node.self) == nil { return group }
        var labels = LabelsBuilder()
        podLabels(pod, lookup: &lookup, to: &labels)
        labels.set(Self.namespaceLabel, pod.metadata.namespace ?? "")
        addNodeMetadata(pod.spec?.nodeName, lookup: &lookup, to: &labels)
        addNamespaceMetadata(pod.metadata.namespace ?? "", lookup: &lookup, to: &labels)
        group.labels = labels.labels()
        for (container, isInit) in Self.containers(pod) {
            let statuses = isInit ? pod.status?.initContainerStatuses : pod.status?.containerStatuses
            let containerID = statuses?.first { $0.name == container.name }?.containerID ?? ""
            let ports = container.ports ?? []
            if ports.isEmpty {
                var target = LabelsBuilder()
                target.set(DiscoveredTargetGroup.addressLabel, podIP)
                target.set(Self.prefix + "pod_container_name", container.name ?? "")
                target.set(Self.prefix + "pod_container_id", containerID)
                target.set(Self.prefix + "pod_container_image", container.image ?? "")
                target.set(Self.prefix + "pod_container_init", String(isInit))
                group.targets.append(target.labels())
            }
            for port in ports {
                var target = LabelsBuilder()
                target.set(DiscoveredTargetGroup.addressLabel, DiscoveredTargetGroup.joinHostPort(podIP, port.containerPort ?? 0))
                Self.setContainerPort(container, port, isInit: isInit, to: &target)
                target.set(Self.prefix + "pod_container_id", containerID)
                group.targets.append(target.labels())
            }
        }
        return group
    }

    /// `serviceLabels`: namespace and the service's metadata.
    private static func serviceLabels(_ service: Kube.Service, to labels: inout LabelsBuilder) {
        labels.set(namespaceLabel, service.metadata.namespace ?? "")
        addObjectMeta(service.metadata, role: "service", to: &labels)
    }

    /// `role: service`: one target per port, addressed by the service's DNS name.
    func service(_ service: Kube.Service, lookup: inout KubeLookup) -> DiscoveredTargetGroup {
        var group = DiscoveredTargetGroup(source: Self.source(.services, key: service.metadata.key))
        var labels = LabelsBuilder()
        Self.serviceLabels(service, to: &labels)
        addNamespaceMetadata(service.metadata.namespace ?? "", lookup: &lookup, to: &labels)
        group.labels = labels.labels()
        let host = (service.metadata.name ?? "") + "." + (service.metadata.namespace ?? "") + ".svc"
        let type = service.spec?.type ?? ""
        for port in service.spec?.ports ?? [] {
            var target = LabelsBuilder()
            target.set(DiscoveredTargetGroup.addressLabel, DiscoveredTargetGroup.joinHostPort(host, port.port ?? 0))
            target.set(Self.prefix + "service_port_name", port.name ?? "")
            target.set(Self.prefix + "service_port_number", String(port.port ?? 0))
            target.set(Self.prefix + "service_port_protocol", port.protocol ?? "")
            target.set(Self.prefix + "service_type", type)
            if type == "ExternalName" {
                target.set(Self.prefix + "service_external_name", service.spec?.externalName ?? "")
            } else {
                target.set(Self.prefix + "service_cluster_ip", service.spec?.clusterIP ?? "")
            }
            if type == "LoadBalancer" {
                let ips = (service.status?.loadBalancer?.ingress ?? []).compactMap(\.ip).filter { !$0.isEmpty }
                target.set(Self.prefix + "service_loadbalancer_ip",
                           ips.isEmpty ? service.spec?.loadBalancerIP ?? "" : ips.joined(separator: ","))
            }
            group.targets.append(target.labels())
        }
        return group
    }

    /// `role: node`: the kubelet of each node, at its preferred address; `instance` is the node name.
    func node(_ node: Kube.Node) -> DiscoveredTargetGroup? {
        var group = DiscoveredTargetGroup(source: Self.source(.nodes, key: node.metadata.key))
        var labels = LabelsBuilder()
        labels.set(Self.prefix + "node_provider_id", node.spec?.providerID ?? "")
        for condition in node.status?.conditions ?? [] {
            let name = LabelNameSanitizer.sanitize((condition.type ?? "").lowercased())
            labels.set(Self.prefix + "node_condition_" + name, (condition.status ?? "").lowercased())
        }
        Self.addObjectMeta(node.metadata, role: "node", to: &labels)
        group.labels = labels.labels()
        var byType: [String: String] = [:]
        for address in node.status?.addresses ?? [] where byType[address.type ?? ""] == nil {
            byType[address.type ?? ""] = address.address ?? ""
        }
        let order = ["InternalIP", "InternalDNS", "ExternalIP", "ExternalDNS", "LegacyHostIP", "Hostname"]
        // No address: upstream logs and sends nothing for the node.
        guard let host = order.lazy.compactMap({ byType[$0] }).first else { return nil }
        var target = LabelsBuilder()
        target.set(DiscoveredTargetGroup.addressLabel,
                   DiscoveredTargetGroup.joinHostPort(host, node.status?.daemonEndpoints?.kubeletEndpoint?.port ?? 0))
        target.set("instance", node.metadata.name ?? "")
        for (type, address) in byType.sorted(by: { $0.key < $1.key }) {
            target.set(LabelNameSanitizer.sanitize(Self.prefix + "node_address_" + type), address)
        }
        group.targets = [target.labels()]
        return group
    }

    /// `role: ingress`: one target per rule and path; `https` when a TLS host matches the rule's.
    func ingress(_ ingress: Kube.Ingress, lookup: inout KubeLookup) -> DiscoveredTargetGroup {
        var group = DiscoveredTargetGroup(source: Self.source(.ingresses, key: ingress.metadata.key))
        var labels = LabelsBuilder()
        labels.set(Self.namespaceLabel, ingress.metadata.namespace ?? "")
        labels.set(Self.prefix + "ingress_class_name", ingress.spec?.ingressClassName ?? "")
        Self.addObjectMeta(ingress.metadata, role: "ingress", to: &labels)
        addNamespaceMetadata(ingress.metadata.namespace ?? "", lookup: &lookup, to: &labels)
        group.labels = labels.labels()
        let tlsHosts = (ingress.spec?.tls ?? []).flatMap { $0.hosts ?? [] }
        for rule in ingress.spec?.rules ?? [] {
            let host = rule.host ?? ""
            let scheme = tlsHosts.contains { Self.matchesHostnamePattern($0, host) } ? "https" : "http"
            let paths = rule.http.map { ($0.paths ?? []).map { ($0.path ?? "").isEmpty ? "/" : $0.path ?? "/" } } ?? ["/"]
            for path in paths {
                var target = LabelsBuilder()
                target.set(DiscoveredTargetGroup.addressLabel, host)
                target.set(Self.prefix + "ingress_scheme", scheme)
                target.set(Self.prefix + "ingress_host", host)
                target.set(Self.prefix + "ingress_path", path)
                group.targets.append(target.labels())
            }
        }
        return group
    }

    /// A TLS host matches the rule's host exactly or as a `*.` wildcard of one label.
    static func matchesHostnamePattern(_ pattern: String, _ host: String) -> Bool {
        if pattern == host { return true }
        let patternParts = pattern.split(separator: ".", omittingEmptySubsequences: false)
        let hostParts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard patternParts.first == "*", patternParts.count == hostParts.count else { return false }
        return zip(patternParts.dropFirst(), hostParts.dropFirst()).allSatisfy { $0 == $1 }
    }

    /// The pods behind an endpoint object's addresses, in order of appearance, with the ports
    /// their endpoints named; their other container ports become targets too.
    private struct BackingPods {
        var pods: [String: Kube.Pod] = [:]
        var order: [String] = []
        var seenPorts: [String: [Int]] = [:]
    }

    /// For an address backed by a pod: the pod's labels (and its matching container port's) on
    /// the target, and the pod remembered with the port.
    private func addBackingPod(
        _ ref: Kube.ObjectReference?, port: Int?, endpointProtocol: String?, pods: inout BackingPods,
        lookup: inout KubeLookup, to target: inout LabelsBuilder
    ) {
        guard let ref, ref.kind == "Pod" else { return }
        let key = (ref.namespace ?? "") + "/" + (ref.name ?? "")
        guard let pod = lookup.find(.pods, key, as: Kube.Pod.self) else { return }
        if pods.pods[key] == nil {
            pods.pods[key] = pod
            pods.order.append(key)
        }
        addPod(pod, port: port, endpointProtocol: endpointProtocol, lookup: &lookup, to: &target)
        if let port { pods.seenPorts[key, default: []].append(port) }
    }

    /// Adds a pod's labels (and the matching container port's) to an endpoint target. The
    /// endpoints role labels the port with the endpoint's protocol, the endpointslice role with
    /// the container's, as upstream.
    private func addPod(
        _ pod: Kube.Pod, port: Int?, endpointProtocol: String?, lookup: inout KubeLookup, to target: inout LabelsBuilder
    ) {
        podLabels(pod, lookup: &lookup, to: &target)
        guard let port else { return }
        for (container, isInit) in Self.containers(pod) {
            if var match = (container.ports ?? []).first(where: { $0.containerPort == port }) {
                if let endpointProtocol { match.protocol = endpointProtocol }
                Self.setContainerPort(container, match, isInit: isInit, to: &target)
            }
        }
    }

    /// Targets for the container ports of backing pods that no endpoint port named.
    private func unseenPodPorts(_ pods: BackingPods, lookup: inout KubeLookup) -> [Labels] {
        var targets: [Labels] = []
        for key in pods.order {
            guard let pod = pods.pods[key], let podIP = pod.status?.podIP, !podIP.isEmpty else { continue }
            let seen = pods.seenPorts[key] ?? []
            for (container, isInit) in Self.containers(pod) {
                for port in container.ports ?? [] where !seen.contains(port.containerPort ?? -1) {
                    var target = LabelsBuilder()
                    target.set(DiscoveredTargetGroup.addressLabel, DiscoveredTargetGroup.joinHostPort(podIP, port.containerPort ?? 0))
                    Self.setContainerPort(container, port, isInit: isInit, to: &target)
                    podLabels(pod, lookup: &lookup, to: &target)
                    targets.append(target.labels())
                }
            }
        }
        return targets
    }

    /// `role: endpointslice`: one target per endpoint address and port; backing pods add their
    /// labels and their other container ports.
    func endpointSlice(_ slice: Kube.EndpointSlice, lookup: inout KubeLookup) -> DiscoveredTargetGroup {
        var group = DiscoveredTargetGroup(source: Self.source(.endpointslices, key: slice.metadata.key))
        let namespace = slice.metadata.namespace ?? ""
        var labels = LabelsBuilder()
        labels.set(Self.namespaceLabel, namespace)
        labels.set(Self.prefix + "endpointslice_address_type", slice.addressType ?? "")
        Self.addObjectMeta(slice.metadata, role: "endpointslice", to: &labels)
        var service: Kube.Service?
        if let serviceName = slice.metadata.labels?["kubernetes.io/service-name"] {
            service = lookup.find(.services, namespace + "/" + serviceName, as: Kube.Service.self)
            if let service { Self.serviceLabels(service, to: &labels) }
        }
        addNamespaceMetadata(namespace, lookup: &lookup, to: &labels)
        group.labels = labels.labels()
        // A dual-stack service's slice of its secondary family adds nothing (upstream's nonPrimaryIPFamilySlice).
        if let spec = service?.spec, spec.ipFamilyPolicy == "PreferDualStack" || spec.ipFamilyPolicy == "RequireDualStack",
           let primary = spec.ipFamilies?.first, primary != slice.addressType {
            return group
        }
        var pods = BackingPods()
        for endpoint in slice.endpoints ?? [] {
            for port in slice.ports ?? [] {
                for address in endpoint.addresses ?? [] {
                    var target = LabelsBuilder()
                    target.set(DiscoveredTargetGroup.addressLabel,
                               port.port.map { DiscoveredTargetGroup.joinHostPort(address, $0) } ?? address)
                    let p = Self.prefix + "endpointslice_"
                    if let name = port.name { target.set(p + "port_name", name) }
                    if let proto = port.protocol { target.set(p + "port_protocol", proto) }
                    if let number = port.port { target.set(p + "port", String(number)) }
                    if let app = port.appProtocol { target.set(p + "port_app_protocol", app) }
                    if let ready = endpoint.conditions?.ready { target.set(p + "endpoint_conditions_ready", String(ready)) }
                    if let serving = endpoint.conditions?.serving { target.set(p + "endpoint_conditions_serving", String(serving)) }
                    if let terminating = endpoint.conditions?.terminating {
                        target.set(p + "endpoint_conditions_terminating", String(terminating))
                    }
                    if let hostname = endpoint.hostname { target.set(p + "endpoint_hostname", hostname) }
                    if let ref = endpoint.targetRef {
                        target.set(p + "address_target_kind", ref.kind ?? "")
                        target.set(p + "address_target_name", ref.name ?? "")
                    }
                    if let nodeName = endpoint.nodeName { target.set(p + "endpoint_node_name", nodeName) }
                    if let zone = endpoint.zone { target.set(p + "endpoint_zone", zone) }
                    for (key, value) in (endpoint.deprecatedTopology ?? [:]).sorted(by: { $0.key < $1.key }) {
                        let name = LabelNameSanitizer.sanitize(key)
                        target.set(p + "endpoint_topology_" + name, value)
                        target.set(p + "endpoint_topology_present_" + name, "true")
                    }
                    let nodeName = endpoint.targetRef?.kind == "Node" ? endpoint.targetRef?.name : endpoint.nodeName
                    addNodeMetadata(nodeName, lookup: &lookup, to: &target)
                    addBackingPod(endpoint.targetRef, port: port.port, endpointProtocol: nil, pods: &pods,
                                  lookup: &lookup, to: &target)
                    group.targets.append(target.labels())
                }
            }
        }
        group.targets += unseenPodPorts(pods, lookup: &lookup)
        return group
    }

    /// `role: endpoints`: one target per address (ready and not ready) and port of each subset;
    /// backing pods add their labels and their other container ports.
    func endpoints(_ endpoints: Kube.Endpoints, lookup: inout KubeLookup) -> DiscoveredTargetGroup {
        var group = DiscoveredTargetGroup(source: Self.source(.endpoints, key: endpoints.metadata.key))
        let namespace = endpoints.metadata.namespace ?? ""
        var labels = LabelsBuilder()
        labels.set(Self.namespaceLabel, namespace)
        Self.addObjectMeta(endpoints.metadata, role: "endpoints", to: &labels)
        if let service = lookup.find(.services, endpoints.metadata.key, as: Kube.Service.self) {
            Self.serviceLabels(service, to: &labels)
        }
        addNamespaceMetadata(namespace, lookup: &lookup, to: &labels)
        group.labels = labels.labels()
        var pods = BackingPods()
        for subset in endpoints.subsets ?? [] {
            let addresses = (subset.addresses ?? []).map { ($0, true) } + (subset.notReadyAddresses ?? []).map { ($0, false) }
            for port in subset.ports ?? [] {
                for (address, ready) in addresses {
                    var target = LabelsBuilder()
                    let p = Self.prefix + "endpoint_"
                    target.set(DiscoveredTargetGroup.addressLabel, DiscoveredTargetGroup.joinHostPort(address.ip ?? "", port.port ?? 0))
                    target.set(p + "port_name", port.name ?? "")
                    target.set(p + "port_protocol", port.protocol ?? "")
                    target.set(p + "ready", String(ready))
                    if let ref = address.targetRef {
                        target.set(p + "address_target_kind", ref.kind ?? "")
                        target.set(p + "address_target_name", ref.name ?? "")
                    }
                    if let nodeName = address.nodeName { target.set(p + "node_name", nodeName) }
                    if let hostname = address.hostname { target.set(p + "hostname", hostname) }
                    let nodeName = address.nodeName ?? (address.targetRef?.kind == "Node" ? address.targetRef?.name : nil)
                    addNodeMetadata(nodeName, lookup: &lookup, to: &target)
                    addBackingPod(address.targetRef, port: port.port, endpointProtocol: port.protocol ?? "", pods: &pods,
                                  lookup: &lookup, to: &target)
                    group.targets.append(target.labels())
                }
            }
        }
        group.targets += unseenPodPorts(pods, lookup: &lookup)
        return group
    }
}
