import Config
import Foundation
import Model
import PharosTestSupport
import Testing

@testable import Discovery

/// Golden tests of the `__meta_kubernetes_*` labels each role builds, written from the label
/// lists of Prometheus's `kubernetes_sd_config` documentation (and its `discovery/kubernetes`
/// sources where the documentation is silent), over objects as `kubectl get -o json` prints them.
@Suite struct KubernetesLabelTests {
    static func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(json.utf8))
    }

    static func stores(_ objects: [(KubeResource, String)]) throws -> KubeStores {
        var stores: KubeStores = [:]
        for (resource, json) in objects {
            let object = try resource.decodeObject(Data(json.utf8), decoder: JSONDecoder())
            stores[resource, default: [:]][object.metadata.key] = object
        }
        return stores
    }

    static let podMeta: KeyValuePairs<String, String> = [
        "__meta_kubernetes_namespace": "shop",
        "__meta_kubernetes_pod_name": "web-7d4b9c8f5-x2x9z",
        "__meta_kubernetes_pod_ip": "10.244.1.17",
        "__meta_kubernetes_pod_ready": "true",
        "__meta_kubernetes_pod_phase": "Running",
        "__meta_kubernetes_pod_node_name": "node-1",
        "__meta_kubernetes_pod_host_ip": "192.168.10.11",
        "__meta_kubernetes_pod_uid": "5f3c1a7e-9b1d-4e8a-8f0e-2c6d9a1b7e44",
        "__meta_kubernetes_pod_label_app_kubernetes_io_name": "web",
        "__meta_kubernetes_pod_labelpresent_app_kubernetes_io_name": "true",
        "__meta_kubernetes_pod_label_pod_template_hash": "7d4b9c8f5",
        "__meta_kubernetes_pod_labelpresent_pod_template_hash": "true",
        "__meta_kubernetes_pod_label_tier": "frontend",
        "__meta_kubernetes_pod_labelpresent_tier": "true",
        "__meta_kubernetes_pod_annotation_prometheus_io_scrape": "true",
        "__meta_kubernetes_pod_annotationpresent_prometheus_io_scrape": "true",
        "__meta_kubernetes_pod_annotation_kubectl_kubernetes_io_restartedAt": "2026-12-01T09:59:00Z",
        "__meta_kubernetes_pod_annotationpresent_kubectl_kubernetes_io_restartedAt": "true",
        "__meta_kubernetes_pod_controller_kind": "ReplicaSet",
        "__meta_kubernetes_pod_controller_name": "web-7d4b9c8f5",
    ]

    /// The node's own metadata labels (role node, and attach_metadata.node).
    static let nodeMeta: KeyValuePairs<String, String> = [
        "__meta_kubernetes_node_name": "node-1",
        "__meta_kubernetes_node_label_kubernetes_io_hostname": "node-1",
        "__meta_kubernetes_node_labelpresent_kubernetes_io_hostname": "true",
        "__meta_kubernetes_node_labelpresent_node_role_kubernetes_io_worker": "true",
        "__meta_kubernetes_node_label_topology_kubernetes_io_zone": "eu-west-1a",
        "__meta_kubernetes_node_labelpresent_topology_kubernetes_io_zone": "true",
        "__meta_kubernetes_node_annotation_node_alpha_kubernetes_io_ttl": "0",
        "__meta_kubernetes_node_annotationpresent_node_alpha_kubernetes_io_ttl": "true",
        "__meta_kubernetes_node_annotation_volumes_kubernetes_io_controller_managed_attach_detach": "true",
        "__meta_kubernetes_node_annotationpresent_volumes_kubernetes_io_controller_managed_attach_detach": "true",
    ]

    static func labels(_ parts: KeyValuePairs<String, String>...) -> Labels {
        Labels(parts.flatMap { $0.map { Label(name: $0.key, value: $0.value) } })
    }

    static func container(_ name: String, image: String, id: String, isInit: Bool, address: String,
                          port: (name: String, number: String)? = nil) -> Labels {
        var labels: [Label] = [
            Label(name: "__address__", value: address),
            Label(name: "__meta_kubernetes_pod_container_name", value: name),
            Label(name: "__meta_kubernetes_pod_container_image", value: image),
            Label(name: "__meta_kubernetes_pod_container_id", value: id),
            Label(name: "__meta_kubernetes_pod_container_init", value: String(isInit)),
        ]
        if let port {
            labels += [
                Label(name: "__meta_kubernetes_pod_container_port_name", value: port.name),
                Label(name: "__meta_kubernetes_pod_container_port_number", value: port.number),
                Label(name: "__meta_kubernetes_pod_container_port_protocol", value: "TCP"),
            ]
        }
        return Labels(labels)
    }

    @Test func podRoleWithAttachedNodeNamespaceAndDeployment() throws {
        var attach = KubernetesSDConfig.AttachMetadata()
        attach.node = true
        attach.namespace = true
        attach.deployment = true
        attach.job = true
        let stores = try Self.stores([
            (.pods, KubernetesFixtures.webPod()), (.nodes, KubernetesFixtures.node1),
            (.namespaces, KubernetesFixtures.shopNamespace), (.replicasets, KubernetesFixtures.webReplicaSet),
        ])
        var lookup = KubeLookup(stores: stores)
        let pod = try Self.decode(Kube.Pod.self, KubernetesFixtures.webPod())
        let group = KubernetesTargets(attach: attach, includeFinishedPods: false).pod(pod, lookup: &lookup)
        #expect(group.source == "pod/shop/web-7d4b9c8f5-x2x9z")
        #expect(group.labels == Self.labels(Self.podMeta, Self.nodeMeta, [
            "__meta_kubernetes_pod_deployment_name": "web",
            "__meta_kubernetes_namespace_label_kubernetes_io_metadata_name": "shop",
            "__meta_kubernetes_namespace_labelpresent_kubernetes_io_metadata_name": "true",
            "__meta_kubernetes_namespace_label_team": "checkout",
            "__meta_kubernetes_namespace_labelpresent_team": "true",
            "__meta_kubernetes_namespace_annotation_owner": "checkout@example.com",
            "__meta_kubernetes_namespace_annotationpresent_owner": "true",
        ]))
        #expect(group.targets == [
            Self.container("app", image: "registry.example/web:1.4.2", id: "containerd://3333cccc", isInit: false,
                           address: "10.244.1.17:8080", port: ("http", "8080")),
            Self.container("app", image: "registry.example/web:1.4.2", id: "containerd://3333cccc", isInit: false,
                           address: "10.244.1.17:9090", port: ("metrics", "9090")),
            Self.container("log-shipper", image: "fluent/fluent-bit:2.2", id: "containerd://4444dddd", isInit: false,
                           address: "10.244.1.17"),
            Self.container("migrate", image: "registry.example/web-migrate:1.4.2", id: "containerd://1111aaaa", isInit: true,
                           address: "10.244.1.17"),
            Self.container("warmup", image: "registry.example/warmup:0.3", id: "containerd://2222bbbb", isInit: true,
                           address: "10.244.1.17:7070", port: ("warmup", "7070")),
        ])
        #expect(lookup.touched.contains(KubeRef(resource: .nodes, key: "node-1")))
        #expect(lookup.touched.contains(KubeRef(resource: .replicasets, key: "shop/web-7d4b9c8f5")))

        // Without the node in the store there are no targets (upstream waits for it).
        var empty = KubeLookup(stores: [:])
        #expect(KubernetesTargets(attach: attach, includeFinishedPods: false).pod(pod, lookup: &empty).targets.isEmpty)
    }

    @Test func finishedAndPendingPodsAreNotTargets() throws {
        let targets = KubernetesTargets(attach: .init(), includeFinishedPods: false)
        for phase in ["Succeeded", "Failed"] {
            var lookup = KubeLookup(stores: [:])
            let pod = try Self.decode(Kube.Pod.self, KubernetesFixtures.webPod(phase: phase))
            #expect(targets.pod(pod, lookup: &lookup).targets.isEmpty, "\(phase)")
            let kept = KubernetesTargets(attach: .init(), includeFinishedPods: true).pod(pod, lookup: &lookup)
            #expect(kept.targets.count == 5 && kept.labels["__meta_kubernetes_pod_phase"] == phase)
        }
        var lookup = KubeLookup(stores: [:])
        let pending = try Self.decode(Kube.Pod.self, KubernetesFixtures.webPod(ip: "", phase: "Pending"))
        #expect(targets.pod(pending, lookup: &lookup).targets.isEmpty)
    }

    @Test func serviceRole() throws {
        let targets = KubernetesTargets(attach: .init(), includeFinishedPods: false)
        var lookup = KubeLookup(stores: [:])
        let web = targets.service(try Self.decode(Kube.Service.self, KubernetesFixtures.webService), lookup: &lookup)
        #expect(web.source == "svc/shop/web")
        #expect(web.labels == Labels([
            "__meta_kubernetes_namespace": "shop", "__meta_kubernetes_service_name": "web",
            "__meta_kubernetes_service_label_app_kubernetes_io_name": "web",
            "__meta_kubernetes_service_labelpresent_app_kubernetes_io_name": "true",
            "__meta_kubernetes_service_annotation_prometheus_io_probe": "true",
            "__meta_kubernetes_service_annotationpresent_prometheus_io_probe": "true",
        ]))
        #expect(web.targets == [
            Labels([
                "__address__": "web.shop.svc:80", "__meta_kubernetes_service_port_name": "http",
                "__meta_kubernetes_service_port_number": "80", "__meta_kubernetes_service_port_protocol": "TCP",
                "__meta_kubernetes_service_type": "ClusterIP", "__meta_kubernetes_service_cluster_ip": "10.96.12.34",
            ]),
            Labels([
                "__address__": "web.shop.svc:9090", "__meta_kubernetes_service_port_name": "metrics",
                "__meta_kubernetes_service_port_number": "9090", "__meta_kubernetes_service_port_protocol": "TCP",
                "__meta_kubernetes_service_type": "ClusterIP", "__meta_kubernetes_service_cluster_ip": "10.96.12.34",
            ]),
        ])
        let edge = targets.service(try Self.decode(Kube.Service.self, KubernetesFixtures.edgeService), lookup: &lookup)
        #expect(edge.targets == [Labels([
            "__address__": "edge.shop.svc:443", "__meta_kubernetes_service_port_name": "https",
            "__meta_kubernetes_service_port_number": "443", "__meta_kubernetes_service_port_protocol": "TCP",
            "__meta_kubernetes_service_type": "LoadBalancer", "__meta_kubernetes_service_cluster_ip": "10.96.50.5",
            "__meta_kubernetes_service_loadbalancer_ip": "198.51.100.7,198.51.100.8",
        ])])
        let external = targets.service(try Self.decode(Kube.Service.self, KubernetesFixtures.externalService), lookup: &lookup)
        #expect(external.targets == [Labels([
            "__address__": "payments.shop.svc:443", "__meta_kubernetes_service_port_number": "443",
            "__meta_kubernetes_service_port_protocol": "TCP", "__meta_kubernetes_service_type": "ExternalName",
            "__meta_kubernetes_service_external_name": "payments.example.net",
        ])])
    }

    @Test func nodeRole() throws {
        let targets = KubernetesTargets(attach: .init(), includeFinishedPods: false)
        let group = try #require(targets.node(try Self.decode(Kube.Node.self, KubernetesFixtures.node1)))
        #expect(group.source == "node/node-1")
        #expect(group.labels == Self.labels(Self.nodeMeta, [
            "__meta_kubernetes_node_provider_id": "aws:///eu-west-1a/i-0abc123def4567890",
            "__meta_kubernetes_node_condition_memorypressure": "false",
            "__meta_kubernetes_node_condition_diskpressure": "false",
            "__meta_kubernetes_node_condition_pidpressure": "false",
            "__meta_kubernetes_node_condition_ready": "true",
        ]))
        #expect(group.targets == [Labels([
            "__address__": "192.168.10.11:10250", "instance": "node-1",
            "__meta_kubernetes_node_address_InternalIP": "192.168.10.11",
            "__meta_kubernetes_node_address_ExternalIP": "203.0.113.11",
            "__meta_kubernetes_node_address_Hostname": "node-1",
        ])])
    }

    @Test func ingressRoleWithTLSWildcard() throws {
        var lookup = KubeLookup(stores: [:])
        let group = KubernetesTargets(attach: .init(), includeFinishedPods: false)
            .ingress(try Self.decode(Kube.Ingress.self, KubernetesFixtures.shopIngress), lookup: &lookup)
        #expect(group.source == "ingress/shop/shop")
        #expect(group.labels == Labels([
            "__meta_kubernetes_namespace": "shop", "__meta_kubernetes_ingress_name": "shop",
            "__meta_kubernetes_ingress_class_name": "nginx",
            "__meta_kubernetes_ingress_label_app": "shop", "__meta_kubernetes_ingress_labelpresent_app": "true",
            "__meta_kubernetes_ingress_annotation_cert_manager_io_cluster_issuer": "letsencrypt",
            "__meta_kubernetes_ingress_annotationpresent_cert_manager_io_cluster_issuer": "true",
        ]))
        func target(_ host: String, _ scheme: String, _ path: String) -> Labels {
            Labels([
                "__address__": host, "__meta_kubernetes_ingress_scheme": scheme, "__meta_kubernetes_ingress_host": host,
                "__meta_kubernetes_ingress_path": path,
            ])
        }
        #expect(group.targets == [
            target("www.shop.example.com", "https", "/"), target("www.shop.example.com", "https", "/api"),
            target("status.example.com", "http", "/"),
        ])
        #expect(!KubernetesTargets.matchesHostnamePattern("*.example.com", "a.b.example.com"))
    }

    /// The labels of the ready pod-backed endpoint that both endpoint roles share.
    static let backedPodLabels: KeyValuePairs<String, String> = [
        "__meta_kubernetes_pod_container_name": "app", "__meta_kubernetes_pod_container_image": "registry.example/web:1.4.2",
        "__meta_kubernetes_pod_container_port_name": "http", "__meta_kubernetes_pod_container_port_number": "8080",
        "__meta_kubernetes_pod_container_port_protocol": "TCP", "__meta_kubernetes_pod_container_init": "false",
    ]

    static var podOnlyMeta: [Label] {
        podMeta.filter { $0.key != "__meta_kubernetes_namespace" }.map { Label(name: $0.key, value: $0.value) }
    }

    @Test func endpointSliceRoleWithServiceAndPods() throws {
        let stores = try Self.stores([
            (.pods, KubernetesFixtures.webPod()), (.services, KubernetesFixtures.webService),
            (.endpointslices, KubernetesFixtures.webSlice()),
        ])
        var lookup = KubeLookup(stores: stores)
        let slice = try Self.decode(Kube.EndpointSlice.self, KubernetesFixtures.webSlice())
        let group = KubernetesTargets(attach: .init(), includeFinishedPods: false).endpointSlice(slice, lookup: &lookup)
        #expect(group.source == "endpointslice/shop/web-abc12")
        #expect(group.labels == Labels([
            "__meta_kubernetes_namespace": "shop", "__meta_kubernetes_endpointslice_name": "web-abc12",
            "__meta_kubernetes_endpointslice_address_type": "IPv4",
            "__meta_kubernetes_endpointslice_label_endpointslice_kubernetes_io_managed_by": "endpointslice-controller.k8s.io",
            "__meta_kubernetes_endpointslice_labelpresent_endpointslice_kubernetes_io_managed_by": "true",
            "__meta_kubernetes_endpointslice_label_kubernetes_io_service_name": "web",
            "__meta_kubernetes_endpointslice_labelpresent_kubernetes_io_service_name": "true",
            "__meta_kubernetes_endpointslice_annotation_endpoints_kubernetes_io_last_change_trigger_time": "2026-12-01T10:00:05Z",
            "__meta_kubernetes_endpointslice_annotationpresent_endpoints_kubernetes_io_last_change_trigger_time": "true",
            "__meta_kubernetes_service_name": "web",
            "__meta_kubernetes_service_label_app_kubernetes_io_name": "web",
            "__meta_kubernetes_service_labelpresent_app_kubernetes_io_name": "true",
            "__meta_kubernetes_service_annotation_prometheus_io_probe": "true",
            "__meta_kubernetes_service_annotationpresent_prometheus_io_probe": "true",
        ]))
        let sliceLabels: KeyValuePairs<String, String> = [
            "__meta_kubernetes_endpointslice_port_name": "http", "__meta_kubernetes_endpointslice_port_protocol": "TCP",
            "__meta_kubernetes_endpointslice_port": "8080", "__meta_kubernetes_endpointslice_port_app_protocol": "http",
        ]
        let ready = Labels(
            [Label(name: "__address__", value: "10.244.1.17:8080")] + sliceLabels.map { Label(name: $0.key, value: $0.value) }
                + Self.backedPodLabels.map { Label(name: $0.key, value: $0.value) } + Self.podOnlyMeta + [
                    Label(name: "__meta_kubernetes_endpointslice_endpoint_conditions_ready", value: "true"),
                    Label(name: "__meta_kubernetes_endpointslice_endpoint_conditions_serving", value: "true"),
                    Label(name: "__meta_kubernetes_endpointslice_endpoint_conditions_terminating", value: "false"),
                    Label(name: "__meta_kubernetes_endpointslice_address_target_kind", value: "Pod"),
                    Label(name: "__meta_kubernetes_endpointslice_address_target_name", value: "web-7d4b9c8f5-x2x9z"),
                    Label(name: "__meta_kubernetes_endpointslice_endpoint_node_name", value: "node-1"),
                    Label(name: "__meta_kubernetes_endpointslice_endpoint_zone", value: "eu-west-1a"),
                ])
        let notReady = Labels(
            [Label(name: "__address__", value: "10.244.2.9:8080")] + sliceLabels.map { Label(name: $0.key, value: $0.value) } + [
                Label(name: "__meta_kubernetes_endpointslice_endpoint_conditions_ready", value: "false"),
                Label(name: "__meta_kubernetes_endpointslice_endpoint_conditions_serving", value: "false"),
                Label(name: "__meta_kubernetes_endpointslice_endpoint_conditions_terminating", value: "true"),
                Label(name: "__meta_kubernetes_endpointslice_endpoint_hostname", value: "web-1"),
                Label(name: "__meta_kubernetes_endpointslice_address_target_kind", value: "Pod"),
                Label(name: "__meta_kubernetes_endpointslice_address_target_name", value: "web-7d4b9c8f5-gone1"),
                Label(name: "__meta_kubernetes_endpointslice_endpoint_node_name", value: "node-2"),
                Label(name: "__meta_kubernetes_endpointslice_endpoint_zone", value: "eu-west-1b"),
            ])
        // The backing pod's other container ports follow, with the pod's labels.
        func extra(_ container: String, _ image: String, _ address: String, _ port: String, _ number: String, init isInit: Bool) -> Labels {
            Labels([
                Label(name: "__address__", value: address), Label(name: "__meta_kubernetes_pod_container_name", value: container),
                Label(name: "__meta_kubernetes_pod_container_image", value: image),
                Label(name: "__meta_kubernetes_pod_container_port_name", value: port),
                Label(name: "__meta_kubernetes_pod_container_port_number", value: number),
                Label(name: "__meta_kubernetes_pod_container_port_protocol", value: "TCP"),
                Label(name: "__meta_kubernetes_pod_container_init", value: String(isInit)),
            ] + Self.podOnlyMeta)
        }
        #expect(group.targets == [
            ready, notReady,
            extra("app", "registry.example/web:1.4.2", "10.244.1.17:9090", "metrics", "9090", init: false),
            extra("warmup", "registry.example/warmup:0.3", "10.244.1.17:7070", "warmup", "7070", init: true),
        ])
        #expect(lookup.touched.contains(KubeRef(resource: .services, key: "shop/web")))
    }

    @Test func endpointsRole() throws {
        let stores = try Self.stores([(.pods, KubernetesFixtures.webPod()), (.services, KubernetesFixtures.webService)])
        var lookup = KubeLookup(stores: stores)
        let endpoints = try Self.decode(Kube.Endpoints.self, KubernetesFixtures.webEndpoints)
        let group = KubernetesTargets(attach: .init(), includeFinishedPods: false).endpoints(endpoints, lookup: &lookup)
        #expect(group.source == "endpoints/shop/web")
        #expect(group.labels["__meta_kubernetes_endpoints_name"] == "web")
        #expect(group.labels["__meta_kubernetes_endpoints_label_app_kubernetes_io_name"] == "web")
        #expect(group.labels["__meta_kubernetes_service_name"] == "web")
        #expect(group.targets.count == 4, "ready, not ready, and the pod's two other container ports")
        #expect(group.targets[0] == Labels(
            [
                Label(name: "__address__", value: "10.244.1.17:8080"),
                Label(name: "__meta_kubernetes_endpoint_port_name", value: "http"),
                Label(name: "__meta_kubernetes_endpoint_port_protocol", value: "TCP"),
                Label(name: "__meta_kubernetes_endpoint_ready", value: "true"),
                Label(name: "__meta_kubernetes_endpoint_address_target_kind", value: "Pod"),
                Label(name: "__meta_kubernetes_endpoint_address_target_name", value: "web-7d4b9c8f5-x2x9z"),
                Label(name: "__meta_kubernetes_endpoint_node_name", value: "node-1"),
            ] + Self.backedPodLabels.map { Label(name: $0.key, value: $0.value) } + Self.podOnlyMeta))
        #expect(group.targets[1] == Labels([
            "__address__": "10.244.2.9:8080", "__meta_kubernetes_endpoint_port_name": "http",
            "__meta_kubernetes_endpoint_port_protocol": "TCP", "__meta_kubernetes_endpoint_ready": "false",
            "__meta_kubernetes_endpoint_address_target_kind": "Pod",
            "__meta_kubernetes_endpoint_address_target_name": "web-7d4b9c8f5-gone1",
            "__meta_kubernetes_endpoint_node_name": "node-2", "__meta_kubernetes_endpoint_hostname": "web-1",
        ]))
    }

    @Test func malformedObjectsAreRefusedWithoutCrashing() {
        var generator = SeededGenerator(seed: 4)
        let valid = Array(KubernetesFixtures.webPod().utf8)
        for _ in 0..<300 {
            var bytes = valid
            for _ in 0..<3 {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[index] = UInt8.random(in: 0x20...0x7E, using: &generator)
            }
            if let pod = try? JSONDecoder().decode(Kube.Pod.self, from: Data(bytes)) {
                var lookup = KubeLookup(stores: [:])
                _ = KubernetesTargets(attach: .init(), includeFinishedPods: true).pod(pod, lookup: &lookup)
            }
            _ = try? KubeWatchEvent.decode(Data(#"{"type":"ADDED","object":"#.utf8) + Data(bytes) + Data("}".utf8),
                                           resource: .pods, decoder: JSONDecoder())
        }
    }
}
