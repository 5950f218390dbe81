import Config
import Foundation
import Model
import NIOSSL
import PharosTestSupport
import Testing

@testable import Discovery

/// `kubernetes_sd_configs` against `FakeKubernetesAPI`: no Kubernetes API server can run here, so
/// a small fake on loopback serves recorded objects and implements LIST pagination and WATCH
/// streams (ADDED/MODIFIED/DELETED/BOOKMARK, ERROR 410, server-side timeouts). Real time, short
/// watch timeouts and back-offs.
@Suite struct KubernetesProviderTests {
    static func config(_ yaml: String) throws -> KubernetesSDConfig {
        try #require(discoverySection("kubernetes_sd_configs", yaml).kubernetesSDConfigs.first)
    }

    func provider(_ config: KubernetesSDConfig, metrics: DiscoveryMetrics = DiscoveryMetrics(), watchTimeout: Int = 60,
                  environment: [String: String] = [:], serviceAccount: String = "/nonexistent") -> KubernetesProvider<ContinuousClock> {
        KubernetesProvider(
            config: config, clock: ContinuousClock(), metrics: metrics, environment: environment,
            serviceAccountDirectory: serviceAccount, watchTimeoutSeconds: watchTimeout...watchTimeout,
            initialBackoff: .milliseconds(50), listPageSize: 2)
    }

    static func pod(_ name: String, ip: String, ready: String = "True", phase: String = "Running") -> String {
        KubernetesFixtures.webPod(name: name, ip: ip, ready: ready, phase: phase)
    }

    @Test func podsFollowListAndWatch() async throws {
        let api = try await FakeKubernetesAPI()
        defer { Task { await api.stop() } }
        api.put("nodes", KubernetesFixtures.node1)
        api.put("pods", Self.pod("web-a", ip: "10.244.1.1"))
        api.put("pods", Self.pod("web-b", ip: "10.244.1.2"))
        api.put("pods", Self.pod("batch-done", ip: "10.244.1.3", phase: "Succeeded"))
        api.put("pods", Self.pod("web-pending", ip: ""))
        let config = try Self.config(
            """
            role: pod
            api_server: http://127.0.0.1:\(api.port)
            namespaces: {names: [shop]}
            attach_metadata: {node: true}
            selectors: [{role: pod, label: "tier=frontend"}]
            """)
        let metrics = DiscoveryMetrics()
        try await withProvider(provider(config, metrics: metrics)) { reader in
            let first = try await reader.waitUntil { $0.groups.count == 2 }
            #expect(Set(first.groups.keys) == ["pod/shop/web-a", "pod/shop/web-b"], "finished and pending pods are not targets")
            #expect(first.groups["pod/shop/web-a"]?.targets.count == 5)
            #expect(first.groups["pod/shop/web-a"]?.labels["__meta_kubernetes_node_label_topology_kubernetes_io_zone"] == "eu-west-1a")

            // Watch events: MODIFIED, DELETED, ADDED.
            api.put("pods", Self.pod("web-a", ip: "10.244.1.1", ready: "False"))
            try await reader.waitUntil { $0.groups["pod/shop/web-a"]?.labels["__meta_kubernetes_pod_ready"] == "false" }
            api.delete("pods", namespace: "shop", name: "web-b")
            try await reader.waitUntil { $0.groups["pod/shop/web-b"] == nil }
            api.put("pods", Self.pod("web-c", ip: "10.244.1.4"))
            try await reader.waitUntil { $0.groups["pod/shop/web-c"] != nil }
            // A pod that finishes stops being a target.
            api.put("pods", Self.pod("web-c", ip: "10.244.1.4", phase: "Failed"))
            try await reader.waitUntil { $0.groups["pod/shop/web-c"] == nil }

            // A node change reaches the pods on it (attach_metadata.node).
            api.put("nodes", KubernetesFixtures.node1.replacingOccurrences(of: "eu-west-1a\"}", with: "eu-west-1c\"}"))
            try await reader.waitUntil {
                $0.groups["pod/shop/web-a"]?.labels["__meta_kubernetes_node_label_topology_kubernetes_io_zone"] == "eu-west-1c"
            }

            // 410 Gone on the open watch: the provider lists again and carries on watching.
            let listsBefore = api.requests.filter { $0.path == "/api/v1/namespaces/shop/pods" && $0.query["watch"] == nil }.count
            api.compact()
            try await withGuardTimeout {
                while api.requests.filter({ $0.path == "/api/v1/namespaces/shop/pods" && $0.query["watch"] == nil }).count
                    <= listsBefore {
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            api.put("pods", Self.pod("web-d", ip: "10.244.1.5"))
            try await reader.waitUntil { $0.groups["pod/shop/web-d"] != nil && $0.groups["pod/shop/web-a"] != nil }
        }
        let requests = api.requests.filter { $0.path == "/api/v1/namespaces/shop/pods" }
        let lists = requests.filter { $0.query["watch"] == nil }
        #expect(lists.first?.query["limit"] == "2" && lists.first?.query["labelSelector"] == "tier=frontend")
        #expect(lists.contains { $0.query["continue"] != nil }, "four pods come in pages of two")
        let watches = requests.filter { $0.query["watch"] == "true" }
        #expect(watches.first?.query["allowWatchBookmarks"] == "true" && watches.first?.query["timeoutSeconds"] == "60")
        #expect(watches.count >= 2)
        #expect(api.requests.contains { $0.path == "/api/v1/nodes" }, "nodes are watched for attach_metadata")
        // Events per role: the listed pods and web-c, web-d added; web-a and web-c modified; web-b deleted.
        let pods = KubernetesEventCounts(metrics, role: "pod")
        #expect(pods.add >= 4 && pods.update >= 2 && pods.delete >= 1, "\(pods)")
        #expect(KubernetesEventCounts(metrics, role: "node").update >= 1)
        #expect(KubernetesEventCounts(metrics, role: "endpoints") == KubernetesEventCounts(add: 0, update: 0, delete: 0))
    }

    /// An API server that goes away is a failure: counted and retried, and not one batch goes
    /// out, so the manager keeps the targets (its received-updates counter does not move).
    @Test func anUnreachableAPIServerKeepsTheTargets() async throws {
        let api = try await FakeKubernetesAPI()
        api.put("pods", Self.pod("web-a", ip: "10.244.1.1"))
        api.put("pods", Self.pod("web-b", ip: "10.244.1.2"))
        let config = try Self.config("role: pod\napi_server: http://127.0.0.1:\(api.port)\nnamespaces: {names: [shop]}")
        let metrics = DiscoveryMetrics()
        let manager = DiscoveryManager(
            providers: ["k8s": [provider(config, metrics: metrics)]], clock: ContinuousClock(),
            updateInterval: .milliseconds(50), metrics: metrics)
        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask { await manager.run() }
            // Longer guards: the whole suite in parallel on two cores can be slow to start.
            try await withGuardTimeout(seconds: 60) {
                for await sets in manager.targetSets where sets["k8s"]?.count == 2 { return }
            }
            let received = try #require(metrics.updates()?.received)
            let targets = try #require(metrics.discoveredTargets(job: "k8s"))
            await api.stop()
            try await withGuardTimeout(seconds: 60) {
                while metrics.kubernetesFailuresTotal < 2 { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(metrics.updates()?.received == received, "a failing API server sends nothing")
            #expect(metrics.discoveredTargets(job: "k8s") == targets && targets > 0)
            tasks.cancelAll()
        }
    }

    @Test func watchTimeoutsResumeFromBookmarks() async throws {
        let api = try await FakeKubernetesAPI()
        defer { Task { await api.stop() } }
        api.put("services", KubernetesFixtures.webService)
        let config = try Self.config("role: service\napi_server: http://127.0.0.1:\(api.port)")
        try await withProvider(provider(config, watchTimeout: 1)) { reader in
            try await reader.waitUntil { $0.groups["svc/shop/web"] != nil }
            // Objects of other kinds move the server's version; a bookmark tells the watcher.
            api.put("pods", Self.pod("unrelated", ip: "10.0.0.1"))
            try await withGuardTimeout { while api.activeWatches == 0 { try await Task.sleep(for: .milliseconds(10)) } }
            // The server ends the watch after timeoutSeconds; the next watch starts at the bookmark.
            // A bookmark reaches only the watches open at that moment (with a 1 s timeout one may
            // be between requests), so it is sent again until a watch resumes from it.
            let bookmarked = try #require(api.requests.last { $0.query["watch"] == "true" }).query["resourceVersion"]
            try await withGuardTimeout {
                while !api.requests.contains(where: { $0.query["watch"] == "true" && $0.query["resourceVersion"] != bookmarked }) {
                    api.bookmark("services", kind: "Service")
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            api.put("services", KubernetesFixtures.edgeService)
            try await reader.waitUntil { $0.groups["svc/shop/edge"] != nil }
        }
        let watches = api.requests.filter { $0.query["watch"] == "true" }
        let versions = watches.compactMap { $0.query["resourceVersion"].flatMap(Int.init) }
        #expect(versions.count >= 2 && versions == versions.sorted(), "each re-watch resumes where the last ended")
        #expect(api.requests.filter { $0.query["watch"] == nil }.count == 1, "a timeout is not a reason to list again")
    }

    @Test func anExpiredContinueTokenRestartsTheList() async throws {
        let api = try await FakeKubernetesAPI()
        defer { Task { await api.stop() } }
        for index in 0..<5 {
            api.put("services", KubernetesFixtures.webService.replacingOccurrences(of: #""name":"web","namespace""#,
                                                                                 with: #""name":"web-\#(index)","namespace""#))
        }
        api.expireNextContinue()
        let config = try Self.config("role: service\napi_server: http://127.0.0.1:\(api.port)")
        try await withProvider(provider(config)) { reader in
            try await reader.waitUntil { $0.groups.count == 5 }
        }
        let lists = api.requests.filter { $0.path == "/api/v1/services" && $0.query["watch"] == nil }
        // Page 1, page 2 (410), then page 1, 2 and 3 again.
        #expect(lists.map { $0.query["continue"] == nil } == [true, false, true, false, false])
    }

    @Test func endpointSlicesFollowTheirServiceAndPods() async throws {
        let api = try await FakeKubernetesAPI()
        defer { Task { await api.stop() } }
        api.put("pods", KubernetesFixtures.webPod())
        api.put("services", KubernetesFixtures.webService)
        api.put("endpointslices", KubernetesFixtures.webSlice())
        let config = try Self.config("role: endpointslice\napi_server: http://127.0.0.1:\(api.port)\nnamespaces: {names: [shop]}")
        try await withProvider(provider(config)) { reader in
            let source = "endpointslice/shop/web-abc12"
            let first = try await reader.waitUntil { $0.groups[source] != nil }
            #expect(first.groups[source]?.targets.count == 4)
            #expect(first.groups[source]?.labels["__meta_kubernetes_service_name"] == "web")
            // A change of the service relabels its slices.
            api.put("services", KubernetesFixtures.webService.replacingOccurrences(of: #""prometheus.io/probe":"true""#,
                                                                                 with: #""prometheus.io/probe":"false""#))
            try await reader.waitUntil {
                $0.groups[source]?.labels["__meta_kubernetes_service_annotation_prometheus_io_probe"] == "false"
            }
            // The second endpoint becomes ready.
            api.put("endpointslices", KubernetesFixtures.webSlice(readySecond: true))
            try await reader.waitUntil {
                $0.groups[source]?.targets.contains {
                    $0["__address__"] == "10.244.2.9:8080" && $0["__meta_kubernetes_endpointslice_endpoint_conditions_ready"] == "true"
                } == true
            }
            api.delete("endpointslices", namespace: "shop", name: "web-abc12")
            try await reader.waitUntil { $0.groups[source] == nil }
        }
        #expect(api.requests.contains { $0.path == "/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices" })
    }

    @Test(.enabled(if: TestCertificates.isAvailable, "needs openssl"))
    func inClusterServiceAccountAndKubeconfig() async throws {
        let certificates = try await TestCertificates()
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificates.serverCertFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: certificates.serverKeyFile, format: .pem)))
        let api = try await FakeKubernetesAPI(tls: tls)
        defer { Task { await api.stop() } }
        api.put("ingresses", KubernetesFixtures.shopIngress)

        // In-cluster: the environment names the server; token, CA and namespace come from the service account.
        let account = try TemporaryDirectory()
        try account.write(account.path("token"), "in-cluster-token")
        try account.write(account.path("namespace"), "shop")
        try FileManager.default.copyItem(atPath: certificates.caFile, toPath: account.path("ca.crt"))
        let inCluster = try Self.config("role: ingress\nnamespaces: {own_namespace: true}")
        let environment = ["KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": String(api.port)]
        try await withProvider(provider(inCluster, environment: environment, serviceAccount: account.root)) { reader in
            try await reader.waitUntil { $0.groups["ingress/shop/shop"]?.targets.count == 3 }
        }
        let own = try #require(api.requests.first)
        #expect(own.path == "/apis/networking.k8s.io/v1/namespaces/shop/ingresses")
        #expect(own.authorization == "Bearer in-cluster-token")

        // kubeconfig: the current context's cluster (CA data) and user (token file).
        let directory = try TemporaryDirectory()
        try directory.write(directory.path("token"), "kubeconfig-token\n")
        let caData = try Data(contentsOf: URL(fileURLWithPath: certificates.caFile)).base64EncodedString()
        try directory.write(directory.path("kubeconfig"), """
            apiVersion: v1
            kind: Config
            current-context: test
            clusters:
            - name: other
              cluster: {server: "https://127.0.0.1:1"}
            - name: fake
              cluster:
                server: https://127.0.0.1:\(api.port)
                certificate-authority-data: \(caData)
            users:
            - name: robot
              user: {tokenFile: token}
            contexts:
            - name: test
              context: {cluster: fake, user: robot, namespace: shop}
            """)
        let fromFile = try Self.config("role: ingress\nkubeconfig_file: \(directory.path("kubeconfig"))")
        try await withProvider(provider(fromFile)) { reader in
            try await reader.waitUntil { $0.groups["ingress/shop/shop"] != nil }
        }
        #expect(api.requests.last?.authorization == "Bearer kubeconfig-token")
        #expect(api.requests.last?.path == "/apis/networking.k8s.io/v1/ingresses")
    }

    @Test func unreachableConfigurationsAreCountedFailures() async throws {
        let metrics = DiscoveryMetrics()
        let config = try Self.config("role: node")
        let (_, continuation) = AsyncStream.makeStream(of: [DiscoveredTargetGroup].self)
        await #expect(throws: DiscoveryError.self, "a config that cannot be used at all ends the provider with an error") {
            try await provider(config, metrics: metrics).run(updates: continuation)
        }
        #expect(metrics.kubernetesFailuresTotal == 1, "no KUBERNETES_SERVICE_HOST: not in a cluster")
        let directory = try TemporaryDirectory()
        try directory.write(directory.path("kubeconfig"), "current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\nclusters: [{name: c, cluster: {server: 'https://k'}}]\nusers: [{name: u, user: {exec: {command: aws}}}]\n")
        #expect(throws: DiscoveryError.self) { try KubernetesConnection.kubeconfig(directory.path("kubeconfig")) }
    }

    @Test func informerPlansFollowRoleNamespacesAndAttachments() throws {
        let plans = KubernetesProvider<ContinuousClock>.informers(
            try Self.config("role: endpointslice\nnamespaces: {names: [a, b]}\nattach_metadata: {node: true, namespace: true}\nselectors: [{role: pod, field: spec.nodeName=n1}]"),
            ownNamespace: "")
        #expect(plans.map { "\($0.resource.rawValue)@\($0.namespace)" } == [
            "endpointslices@a", "services@a", "pods@a", "endpointslices@b", "services@b", "pods@b", "nodes@", "namespaces@",
        ])
        #expect(plans[2].selector.field == "spec.nodeName=n1")
    }
}

/// `prometheus_sd_kubernetes_events_total` of one role.
struct KubernetesEventCounts: Equatable, CustomStringConvertible {
    var add: Int, update: Int, delete: Int

    init(add: Int, update: Int, delete: Int) {
        (self.add, self.update, self.delete) = (add, update, delete)
    }

    init(_ metrics: DiscoveryMetrics, role: String) {
        add = metrics.kubernetesEvents(role: role, event: .add) ?? -1
        update = metrics.kubernetesEvents(role: role, event: .update) ?? -1
        delete = metrics.kubernetesEvents(role: role, event: .delete) ?? -1
    }

    var description: String { "add \(add), update \(update), delete \(delete)" }
}
