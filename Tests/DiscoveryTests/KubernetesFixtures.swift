/// Kubernetes objects as `kubectl get -o json` prints them (trimmed of `managedFields` and
/// volumes), for the fake API server and the golden label tests.
enum KubernetesFixtures {
    /// A Deployment's pod: two containers (one with two ports, one without), two init containers
    /// (one with a port), a ReplicaSet controller, ready, on node-1.
    static func webPod(name: String = "web-7d4b9c8f5-x2x9z", ip: String = "10.244.1.17", ready: String = "True",
                       phase: String = "Running", namespace: String = "shop") -> String {
        """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"\(name)","generateName":"web-7d4b9c8f5-","namespace":"\(namespace)",
        "uid":"5f3c1a7e-9b1d-4e8a-8f0e-2c6d9a1b7e44","creationTimestamp":"2026-12-01T10:00:00Z",
        "labels":{"app.kubernetes.io/name":"web","pod-template-hash":"7d4b9c8f5","tier":"frontend"},
        "annotations":{"prometheus.io/scrape":"true","kubectl.kubernetes.io/restartedAt":"2026-12-01T09:59:00Z"},
        "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d4b9c8f5","uid":"0b6f3c9e-1d2a-4f7b-9e8c-3a5d7f1b2c4e","controller":true,"blockOwnerDeletion":true}]},
        "spec":{"nodeName":"node-1","serviceAccountName":"default","restartPolicy":"Always",
        "initContainers":[{"name":"migrate","image":"registry.example/web-migrate:1.4.2","command":["/migrate"]},
        {"name":"warmup","image":"registry.example/warmup:0.3","ports":[{"name":"warmup","containerPort":7070,"protocol":"TCP"}]}],
        "containers":[{"name":"app","image":"registry.example/web:1.4.2","ports":[{"name":"http","containerPort":8080,"protocol":"TCP"},{"name":"metrics","containerPort":9090,"protocol":"TCP"}],
        "readinessProbe":{"httpGet":{"path":"/ready","port":8080}}},{"name":"log-shipper","image":"fluent/fluent-bit:2.2"}]},
        "status":{"phase":"\(phase)","hostIP":"192.168.10.11","podIP":"\(ip)","podIPs":[{"ip":"\(ip)"}],"qosClass":"Burstable",
        "conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"\(ready)"},{"type":"ContainersReady","status":"\(ready)"},{"type":"PodScheduled","status":"True"}],
        "initContainerStatuses":[{"name":"migrate","ready":true,"restartCount":0,"image":"registry.example/web-migrate:1.4.2","containerID":"containerd://1111aaaa"},
        {"name":"warmup","ready":true,"restartCount":0,"image":"registry.example/warmup:0.3","containerID":"containerd://2222bbbb"}],
        "containerStatuses":[{"name":"app","ready":true,"restartCount":0,"image":"registry.example/web:1.4.2","containerID":"containerd://3333cccc","started":true},
        {"name":"log-shipper","ready":true,"restartCount":1,"image":"fluent/fluent-bit:2.2","containerID":"containerd://4444dddd","started":true}]}}
        """
    }

    static let node1 = """
        {"apiVersion":"v1","kind":"Node","metadata":{"name":"node-1","uid":"7a1b2c3d-0000-4000-8000-000000000001",
        "labels":{"kubernetes.io/hostname":"node-1","node-role.kubernetes.io/worker":"","topology.kubernetes.io/zone":"eu-west-1a"},
        "annotations":{"node.alpha.kubernetes.io/ttl":"0","volumes.kubernetes.io/controller-managed-attach-detach":"true"}},
        "spec":{"podCIDR":"10.244.1.0/24","providerID":"aws:///eu-west-1a/i-0abc123def4567890"},
        "status":{"conditions":[{"type":"MemoryPressure","status":"False","reason":"KubeletHasSufficientMemory"},
        {"type":"DiskPressure","status":"False"},{"type":"PIDPressure","status":"False"},{"type":"Ready","status":"True","reason":"KubeletReady"}],
        "addresses":[{"type":"InternalIP","address":"192.168.10.11"},{"type":"ExternalIP","address":"203.0.113.11"},
        {"type":"InternalIP","address":"fd00::11"},{"type":"Hostname","address":"node-1"}],
        "daemonEndpoints":{"kubeletEndpoint":{"Port":10250}},"nodeInfo":{"kubeletVersion":"v1.30.2","containerRuntimeVersion":"containerd://1.7.13"}}}
        """

    static let shopNamespace = """
        {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop","uid":"9e8d7c6b-0000-4000-8000-000000000002",
        "labels":{"kubernetes.io/metadata.name":"shop","team":"checkout"},"annotations":{"owner":"checkout@example.com"}},
        "spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}}
        """

    static let webReplicaSet = """
        {"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"web-7d4b9c8f5","namespace":"shop","uid":"0b6f3c9e-1d2a-4f7b-9e8c-3a5d7f1b2c4e",
        "labels":{"app.kubernetes.io/name":"web","pod-template-hash":"7d4b9c8f5"},
        "ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"c1d2e3f4-0000-4000-8000-000000000003","controller":true,"blockOwnerDeletion":true}]},
        "spec":{"replicas":2},"status":{"replicas":2,"readyReplicas":2}}
        """

    /// A multi-port ClusterIP service, a LoadBalancer and an ExternalName service.
    static let webService = """
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"shop","uid":"d4c3b2a1-0000-4000-8000-000000000004",
        "labels":{"app.kubernetes.io/name":"web"},"annotations":{"prometheus.io/probe":"true"}},
        "spec":{"type":"ClusterIP","clusterIP":"10.96.12.34","clusterIPs":["10.96.12.34"],"ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack",
        "selector":{"app.kubernetes.io/name":"web"},
        "ports":[{"name":"http","port":80,"targetPort":8080,"protocol":"TCP"},{"name":"metrics","port":9090,"targetPort":"metrics","protocol":"TCP"}]},
        "status":{"loadBalancer":{}}}
        """

    static let edgeService = """
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"edge","namespace":"shop","uid":"d4c3b2a1-0000-4000-8000-000000000005"},
        "spec":{"type":"LoadBalancer","clusterIP":"10.96.50.5","ports":[{"name":"https","port":443,"targetPort":8443,"protocol":"TCP","nodePort":31443}]},
        "status":{"loadBalancer":{"ingress":[{"ip":"198.51.100.7"},{"hostname":"lb.example.com"},{"ip":"198.51.100.8"}]}}}
        """

    static let externalService = """
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"payments","namespace":"shop","uid":"d4c3b2a1-0000-4000-8000-000000000006"},
        "spec":{"type":"ExternalName","externalName":"payments.example.net","ports":[{"port":443,"protocol":"TCP"}]}}
        """

    /// The service's slice: a ready pod endpoint, a not-ready terminating one, and one without a pod.
    static func webSlice(readySecond: Bool = false) -> String {
        """
        {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"web-abc12","namespace":"shop","generateName":"web-",
        "uid":"e5f6a7b8-0000-4000-8000-000000000007",
        "labels":{"endpointslice.kubernetes.io/managed-by":"endpointslice-controller.k8s.io","kubernetes.io/service-name":"web"},
        "annotations":{"endpoints.kubernetes.io/last-change-trigger-time":"2026-12-01T10:00:05Z"},
        "ownerReferences":[{"apiVersion":"v1","kind":"Service","name":"web","uid":"d4c3b2a1-0000-4000-8000-000000000004","controller":true,"blockOwnerDeletion":true}]},
        "addressType":"IPv4",
        "endpoints":[{"addresses":["10.244.1.17"],"conditions":{"ready":true,"serving":true,"terminating":false},
        "targetRef":{"kind":"Pod","namespace":"shop","name":"web-7d4b9c8f5-x2x9z","uid":"5f3c1a7e-9b1d-4e8a-8f0e-2c6d9a1b7e44"},"nodeName":"node-1","zone":"eu-west-1a"},
        {"addresses":["10.244.2.9"],"conditions":{"ready":\(readySecond),"serving":\(readySecond),"terminating":\(!readySecond)},
        "targetRef":{"kind":"Pod","namespace":"shop","name":"web-7d4b9c8f5-gone1"},"nodeName":"node-2","zone":"eu-west-1b","hostname":"web-1"}],
        "ports":[{"name":"http","protocol":"TCP","port":8080,"appProtocol":"http"}]}
        """
    }

    static let webEndpoints = """
        {"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"web","namespace":"shop","labels":{"app.kubernetes.io/name":"web"}},
        "subsets":[{"addresses":[{"ip":"10.244.1.17","nodeName":"node-1","targetRef":{"kind":"Pod","namespace":"shop","name":"web-7d4b9c8f5-x2x9z"}}],
        "notReadyAddresses":[{"ip":"10.244.2.9","hostname":"web-1","nodeName":"node-2","targetRef":{"kind":"Pod","namespace":"shop","name":"web-7d4b9c8f5-gone1"}}],
        "ports":[{"name":"http","port":8080,"protocol":"TCP"}]}]}
        """

    static let shopIngress = """
        {"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"shop","namespace":"shop","uid":"f1e2d3c4-0000-4000-8000-000000000008",
        "labels":{"app":"shop"},"annotations":{"cert-manager.io/cluster-issuer":"letsencrypt"}},
        "spec":{"ingressClassName":"nginx","tls":[{"hosts":["*.shop.example.com"],"secretName":"shop-tls"}],
        "rules":[{"host":"www.shop.example.com","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}},
        {"path":"/api","pathType":"Prefix","backend":{"service":{"name":"api","port":{"number":8080}}}}]}},
        {"host":"status.example.com","http":{"paths":[{"pathType":"ImplementationSpecific","backend":{"service":{"name":"status","port":{"number":80}}}}]}}]},
        "status":{"loadBalancer":{"ingress":[{"ip":"198.51.100.20"}]}}}
        """
}
