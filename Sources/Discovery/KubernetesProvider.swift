package import Config
import Foundation

/// `kubernetes_sd_configs`: targets from a Kubernetes cluster (Prometheus's `discovery/kubernetes`).
///
/// The role's objects and those it draws metadata from are kept current by LIST + WATCH
/// informers (one per kind and namespace, with the config's selectors); `KubernetesDiscoveryState`
/// turns changes into target groups with Prometheus 3's meta labels. API failures count
/// `prometheus_sd_kubernetes_failures_total` and keep the targets; finished pods (`Succeeded`,
/// `Failed`) are not targets unless `include_finished_pods` asks.
package struct KubernetesProvider<C: Clock<Duration>>: DiscoveryProvider {
    package static var configKey: String { "kubernetes_sd_configs" }

    private let config: KubernetesSDConfig
    private let clock: C
    private let metrics: DiscoveryMetrics
    private let environment: [String: String]
    private let serviceAccountDirectory: String
    private let watchTimeoutSeconds: ClosedRange<Int>
    private let initialBackoff: Duration
    private let listPageSize: Int

    /// A provider for one validated `kubernetes_sd_configs` entry.
    ///
    /// - Parameters:
    ///   - environment: for the in-cluster `KUBERNETES_SERVICE_HOST`/`_PORT`.
    ///   - serviceAccountDirectory: where the in-cluster token, CA and namespace are.
    ///   - watchTimeoutSeconds: server-side watch timeouts are drawn from this range.
    ///   - initialBackoff: the first pause after a failed LIST or WATCH (doubling to 30 s).
    ///   - listPageSize: objects per LIST page (`limit`).
    package init(
        config: KubernetesSDConfig, clock: C, metrics: DiscoveryMetrics,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        serviceAccountDirectory: String = "/var/run/secrets/kubernetes.io/serviceaccount",
        watchTimeoutSeconds: ClosedRange<Int> = 300...600, initialBackoff: Duration = .seconds(1), listPageSize: Int = 500
    ) {
        self.config = config
        self.clock = clock
        self.metrics = metrics
        self.environment = environment
        self.serviceAccountDirectory = serviceAccountDirectory
        self.watchTimeoutSeconds = watchTimeoutSeconds
        self.initialBackoff = initialBackoff
        self.listPageSize = listPageSize
    }

    package func run(updates: AsyncStream<[DiscoveredTargetGroup]>.Continuation) async throws(DiscoveryError) {
        let connection: KubernetesConnection
        let client: SDHTTPClient
        do throws(DiscoveryError) {
            connection = try KubernetesConnection.resolve(
                config, environment: environment, serviceAccountDirectory: serviceAccountDirectory)
            client = try SDHTTPClient(config: connection.http, baseURL: connection.server)
        } catch {
            metrics.countKubernetesFailure()
            throw error
        }
        let api = KubernetesAPI(client: client, server: connection.server, pageSize: listPageSize)
        let role = Self.mainResource(config.role ?? .pod)
        let informers = Self.informers(config, ownNamespace: connection.ownNamespace)
        var state = KubernetesDiscoveryState(
            role: role,
            targets: KubernetesTargets(attach: config.attachMetadata, includeFinishedPods: config.includeFinishedPods),
            informers: informers.map { .init(resource: $0.resource, namespace: $0.namespace) })
        let (changes, sink) = AsyncStream.makeStream(of: KubeStoreChange.self)
        await withDiscardingTaskGroup { group in
            for plan in informers {
                let informer = KubernetesInformer(
                    api: api, resource: plan.resource, namespace: plan.namespace, selector: plan.selector, clock: clock,
                    metrics: metrics, watchTimeoutSeconds: watchTimeoutSeconds, initialBackoff: initialBackoff)
                group.addTask { await informer.run(into: sink) }
            }
            // The stream's iteration ends when the provider is cancelled.
            for await change in changes {
                let groups = state.apply(change)
                if let role = change.resource.eventRole {
                    metrics.countKubernetesEvents(role: role, event: .add, count: state.lastEvents.added)
                    metrics.countKubernetesEvents(role: role, event: .update, count: state.lastEvents.updated)
                    metrics.countKubernetesEvents(role: role, event: .delete, count: state.lastEvents.deleted)
                }
                if !groups.isEmpty { updates.yield(groups) }
            }
            group.cancelAll()
        }
        await client.shutdown()
    }

    /// The kind of object each role turns into groups.
    static func mainResource(_ role: KubernetesSDConfig.Role) -> KubeResource {
        switch role {
        case .pod: .pods
        case .service: .services
        case .node: .nodes
        case .endpoints: .endpoints
        case .endpointslice: .endpointslices
        case .ingress: .ingresses
        }
    }

    /// One informer to run.
    struct InformerPlan: Equatable {
        var resource: KubeResource
        var namespace: String
        var selector: KubernetesAPI.Selector
    }

    /// The informers a config needs (Prometheus's `Discovery.Run`): the role's kind in each
    /// namespace, with the kinds it takes labels from.
    static func informers(_ config: KubernetesSDConfig, ownNamespace: String) -> [InformerPlan] {
        var namespaces = config.namespaces.names
        if config.namespaces.ownNamespace && !ownNamespace.isEmpty { namespaces.append(ownNamespace) }
        if namespaces.isEmpty { namespaces = [""] }
        func selector(_ role: KubernetesSDConfig.Role) -> KubernetesAPI.Selector {
            let configured = config.selectors.first { $0.role == role }
            return KubernetesAPI.Selector(label: configured?.label ?? "", field: configured?.field ?? "")
        }
        let attach = config.attachMetadata
        let role = config.role ?? .pod
        var plans: [InformerPlan] = []
        var perNamespace: [(KubeResource, KubernetesSDConfig.Role?)] = []
        switch role {
        case .node:
            return [InformerPlan(resource: .nodes, namespace: "", selector: selector(.node))]
        case .pod:
            perNamespace = [(.pods, .pod)]
        case .service:
            perNamespace = [(.services, .service)]
        case .ingress:
            perNamespace = [(.ingresses, .ingress)]
        case .endpointslice:
            perNamespace = [(.endpointslices, .endpointslice), (.services, .service), (.pods, .pod)]
        case .endpoints:
            perNamespace = [(.endpoints, .endpoints), (.services, .service), (.pods, .pod)]
        }
        if [.pod, .endpoints, .endpointslice].contains(role) {
            if attach.deployment { perNamespace.append((.replicasets, nil)) }
            if attach.job || attach.cronJob { perNamespace.append((.jobs, nil)) }
        }
        for namespace in namespaces {
            for (resource, selectorRole) in perNamespace {
                plans.append(InformerPlan(
                    resource: resource, namespace: namespace,
                    selector: selectorRole.map(selector) ?? KubernetesAPI.Selector()))
            }
        }
        if attach.node && [.pod, .endpoints, .endpointslice].contains(role) {
            plans.append(InformerPlan(resource: .nodes, namespace: "", selector: selector(.node)))
        }
        if attach.namespace && role != .node {
            plans.append(InformerPlan(resource: .namespaces, namespace: "", selector: KubernetesAPI.Selector()))
        }
        return plans
    }
}
