/// The Kubernetes provider's state, free of I/O: copies of the watched objects, which groups
/// depend on which other objects, and what was last sent.
///
/// Nothing is sent until every informer has finished its first LIST (as Prometheus waits for its
/// caches to sync); then every object of the role is built once. Afterwards a change rebuilds the
/// groups of the role's objects it touches: the object itself, or, for another kind (a pod behind
/// an endpoint slice, a node or namespace whose metadata is attached, a service), every group
/// whose build looked that object up. Only groups that differ from the last ones sent go out.
package struct KubernetesDiscoveryState {
    /// The kind whose objects become target groups.
    let role: KubeResource
    let targets: KubernetesTargets
    private(set) var stores: KubeStores = [:]
    /// Informers, by kind and namespace, whose first LIST has not arrived.
    private var unsynced: Set<InformerKey>
    /// Role object keys whose groups looked up each reference.
    private var dependents: [KubeRef: Set<String>] = [:]
    /// What each role object's group looked up, to unregister it when rebuilt.
    private var references: [String: Set<KubeRef>] = [:]
    /// The last group sent per source.
    private var sent: [String: DiscoveredTargetGroup] = [:]
    /// What the last `apply` did to its kind's objects (`prometheus_sd_kubernetes_events_total`).
    private(set) var lastEvents = KubeEvents()

    /// Objects added, updated (a new resource version) and deleted by one change, as client-go's
    /// informer reports them to its handlers (a LIST is compared with what was there).
    struct KubeEvents: Equatable {
        var added = 0
        var updated = 0
        var deleted = 0
    }

    package struct InformerKey: Hashable, Sendable {
        var resource: KubeResource
        var namespace: String

        package init(resource: KubeResource, namespace: String) {
            self.resource = resource
            self.namespace = namespace
        }
    }

    package init(role: KubeResource, targets: KubernetesTargets, informers: [InformerKey]) {
        self.role = role
        self.targets = targets
        unsynced = Set(informers)
    }

    /// Applies one change and returns the groups to send.
    package mutating func apply(_ change: KubeStoreChange) -> [DiscoveredTargetGroup] {
        let wasUnsynced = !unsynced.isEmpty
        // Mutated in place (no copy of a large store per event).
        let (touched, events) = Self.update(&stores[change.resource, default: [:]], with: change)
        lastEvents = events
        if case .replace = change.action {
            unsynced.remove(InformerKey(resource: change.resource, namespace: change.namespace))
        }
        if !unsynced.isEmpty { return [] }
        // The last informer synced: build everything once.
        if wasUnsynced { return rebuild((stores[role] ?? [:]).keys.sorted()) }
        if change.resource == role { return rebuild(touched.sorted()) }
        var affected = Set<String>()
        for key in touched { affected.formUnion(dependents[KubeRef(resource: change.resource, key: key)] ?? []) }
        return rebuild(affected.sorted())
    }

    /// Applies a change to one kind's store; returns the keys it touched and the events.
    private static func update(
        _ store: inout [String: any KubeObject], with change: KubeStoreChange
    ) -> (touched: [String], events: KubeEvents) {
        var events = KubeEvents()
        switch change.action {
        case .replace(let objects):
            var touched: [String] = []
            var fresh: [String: any KubeObject] = [:]
            for object in objects { fresh[object.metadata.key] = object }
            for (key, old) in store where inScope(key, change.namespace) {
                if let new = fresh[key] {
                    let version = new.metadata.resourceVersion
                    if version == nil || version != old.metadata.resourceVersion {
                        touched.append(key)
                        events.updated += 1
                    }
                } else {
                    touched.append(key)
                    events.deleted += 1
                }
            }
            store = store.filter { key, _ in !inScope(key, change.namespace) || fresh[key] != nil }
            for (key, object) in fresh {
                if store[key] == nil {
                    touched.append(key)
                    events.added += 1
                }
                store[key] = object
            }
            return (touched, events)
        case .upsert(let object):
            if store.updateValue(object, forKey: object.metadata.key) == nil { events.added = 1 } else { events.updated = 1 }
            return ([object.metadata.key], events)
        case .delete(let key):
            if store.removeValue(forKey: key) != nil { events.deleted = 1 }
            return ([key], events)
        }
    }

    private static func inScope(_ key: String, _ namespace: String) -> Bool {
        namespace.isEmpty || key.hasPrefix(namespace + "/")
    }

    /// Rebuilds the groups of these role objects; returns those that changed.
    private mutating func rebuild(_ keys: [String]) -> [DiscoveredTargetGroup] {
        var out: [DiscoveredTargetGroup] = []
        for key in keys {
            for reference in references.removeValue(forKey: key) ?? [] {
                dependents[reference]?.remove(key)
                if dependents[reference]?.isEmpty == true { dependents[reference] = nil }
            }
            let source = KubernetesTargets.source(role, key: key)
            guard let object = stores[role]?[key] else {
                if sent.removeValue(forKey: source) != nil { out.append(DiscoveredTargetGroup(source: source)) }
                continue
            }
            var lookup = KubeLookup(stores: stores)
            guard let group = build(object, lookup: &lookup) else { continue }
            references[key] = lookup.touched
            for reference in lookup.touched { dependents[reference, default: []].insert(key) }
            if group.targets.isEmpty {
                // A group without targets removes the source; only worth sending if it was sent.
                if sent.removeValue(forKey: source) != nil { out.append(group) }
            } else if sent[source] != group {
                sent[source] = group
                out.append(group)
            }
        }
        return out
    }

    private func build(_ object: any KubeObject, lookup: inout KubeLookup) -> DiscoveredTargetGroup? {
        switch object {
        case let pod as Kube.Pod: targets.pod(pod, lookup: &lookup)
        case let service as Kube.Service: targets.service(service, lookup: &lookup)
        case let node as Kube.Node: targets.node(node)
        case let slice as Kube.EndpointSlice: targets.endpointSlice(slice, lookup: &lookup)
        case let endpoints as Kube.Endpoints: targets.endpoints(endpoints, lookup: &lookup)
        case let ingress as Kube.Ingress: targets.ingress(ingress, lookup: &lookup)
        default: nil
        }
    }
}
