/// A change to the provider's copy of one kind of object in one namespace (all when empty).
struct KubeStoreChange: Sendable {
    enum Action: Sendable {
        /// A LIST's full content: replaces everything of the kind in the namespace.
        case replace([any KubeObject])
        case upsert(any KubeObject)
        case delete(key: String)
    }

    var resource: KubeResource
    var namespace: String
    var action: Action
}

/// Keeps the provider's copy of one kind of object current, as client-go's reflector: LIST, then
/// WATCH from the list's `resourceVersion`; a watch the server closes (its timeout) is resumed
/// from the last version seen (events and bookmarks move it); `410 Gone` leads to a new LIST;
/// other failures are counted and retried with a doubling back-off (capped at 30 s).
struct KubernetesInformer<C: Clock<Duration>>: Sendable {
    let api: KubernetesAPI
    let resource: KubeResource
    let namespace: String
    let selector: KubernetesAPI.Selector
    let clock: C
    let metrics: DiscoveryMetrics
    /// Server-side watch timeouts are drawn from this range (client-go: 5 to 10 minutes).
    let watchTimeoutSeconds: ClosedRange<Int>
    /// The first back-off after a failure.
    let initialBackoff: Duration

    func run(into changes: AsyncStream<KubeStoreChange>.Continuation) async {
        var version: String?
        var backoff = initialBackoff
        while !Task.isCancelled {
            do {
                if version == nil {
                    let listing = try await api.list(resource, namespace: namespace, selector: selector)
                    changes.yield(KubeStoreChange(resource: resource, namespace: namespace, action: .replace(listing.items)))
                    version = listing.resourceVersion
                }
                let end = try await api.watch(
                    resource, namespace: namespace, selector: selector, resourceVersion: version ?? "",
                    timeoutSeconds: Int.random(in: watchTimeoutSeconds)
                ) { event in
                    switch event {
                    case .added(let object), .modified(let object):
                        changes.yield(KubeStoreChange(resource: resource, namespace: namespace, action: .upsert(object)))
                    case .deleted(let object):
                        changes.yield(KubeStoreChange(resource: resource, namespace: namespace, action: .delete(key: object.metadata.key)))
                    case .bookmark, .error:
                        break
                    }
                }
                backoff = initialBackoff
                switch end {
                case .closed(let resourceVersion): version = resourceVersion
                case .expired: version = nil
                }
            } catch {
                if Task.isCancelled { return }
                metrics.countKubernetesFailure()
                do { try await clock.sleep(for: backoff) } catch { return }
                backoff = min(backoff * 2, .seconds(30))
            }
        }
    }
}
