/// A change to the provider's copy of one kind of object in one namespace (all when empty).
package struct KubeStoreChange: Sendable {
    package enum Action: Sendable {
        /// A LIST's full content: replaces everything of the kind in the namespace.
        case replace([any KubeObject])
        case upsert(any KubeObject)
        case delete(key: String)
    }

    var resource: KubeResource
    var namespace: String
    var action: Action

    package init(resource: KubeResource, namespace: String, action: Action) {
        self.resource = resource
        self.namespace = namespace
        self.action = action
    }
}

/// Keeps the provider's copy of one kind of object current, as client-go's reflector: LIST, then
/// WATCH from the list's `resourceVersion`; a watch the server closes (its timeout) is resumed
/// from the last version seen (events and bookmarks move it); `410 Gone` leads to a new LIST;
/// other failures, and watches closed at once without events, are retried with a doubling
/// back-off (capped at 30 s); failures are counted.
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
                let started = clock.now
                var events = 0
                let end = try await api.watch(
                    resource, namespace: namespace, selector: selector, resourceVersion: version ?? "",
                    timeoutSeconds: Int.random(in: watchTimeoutSeconds)
                ) { event in
                    events += 1
                    switch event {
                    case .added(let object), .modified(let object):
                        changes.yield(KubeStoreChange(resource: resource, namespace: namespace, action: .upsert(object)))
                    case .deleted(let object):
                        changes.yield(KubeStoreChange(resource: resource, namespace: namespace, action: .delete(key: object.metadata.key)))
                    case .bookmark, .error:
                        break
                    }
                }
                switch end {
                case .closed(let resourceVersion): version = resourceVersion
                case .expired: version = nil
                }
                // A watch closed at once without events (a proxy cutting streams) is not retried
                // in a tight loop: back off as after a failure (client-go's "very short watch").
                if events == 0, started.duration(to: clock.now) < .seconds(1), case .closed = end {
                    do { try await clock.sleep(for: backoff) } catch { return }
                    backoff = min(backoff * 2, .seconds(30))
                } else {
                    backoff = initialBackoff
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
