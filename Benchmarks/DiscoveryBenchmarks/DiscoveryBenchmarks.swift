import Benchmark
import Config
import Discovery
import Foundation

/// Kubernetes discovery at scale: 10,000 pods behind 2,000 services (one EndpointSlice of five
/// endpoints each). Run with `PHAROS_BENCHMARKS=1 swift package benchmark --target
/// DiscoveryBenchmarks` (see docs/benchmarks.md). Each iteration is one watch event as the API
/// server streams it: the JSON line decoded, applied to the provider's state, the changed groups
/// built — everything between the socket and the discovery manager. Event figures are per
/// event (1,000 per sample).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident], maxDuration: .seconds(3), maxIterations: 10_000)

    let services = 2_000
    let podsPerService = 5

    func pod(_ index: Int, ready: Bool = true) -> String {
        let service = index / podsPerService
        return """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-\(service)-\(index)","namespace":"bench","uid":"uid-\(index)",\
            "resourceVersion":"\(index)","labels":{"app":"web-\(service)","pod-template-hash":"7d4b9c8f5"},\
            "annotations":{"prometheus.io/scrape":"true"},"ownerReferences":[{"kind":"ReplicaSet","name":"web-\(service)-7d4b9c8f5","controller":true}]},\
            "spec":{"nodeName":"node-\(index % 50)","containers":[{"name":"app","image":"registry.example/web:1.4.2",\
            "ports":[{"name":"http","containerPort":8080,"protocol":"TCP"},{"name":"metrics","containerPort":9090,"protocol":"TCP"}]},\
            {"name":"log-shipper","image":"fluent/fluent-bit:2.2"}]},\
            "status":{"phase":"Running","hostIP":"192.168.0.\(index % 50)","podIP":"10.\(index / 65536).\(index / 256 % 256).\(index % 256)",\
            "conditions":[{"type":"Ready","status":"\(ready ? "True" : "False")"}],\
            "containerStatuses":[{"name":"app","containerID":"containerd://\(index)a"},{"name":"log-shipper","containerID":"containerd://\(index)b"}]}}
            """
    }

    func service(_ index: Int, probe: String = "true") -> String {
        """
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"web-\(index)","namespace":"bench","resourceVersion":"\(100_000 + index)",\
        "labels":{"app":"web-\(index)"},"annotations":{"prometheus.io/probe":"\(probe)"}},\
        "spec":{"type":"ClusterIP","clusterIP":"10.96.\(index / 256).\(index % 256)",\
        "ports":[{"name":"http","port":80,"protocol":"TCP"},{"name":"metrics","port":9090,"protocol":"TCP"}]}}
        """
    }

    func slice(_ index: Int) -> String {
        let endpoints = (0..<podsPerService).map { offset -> String in
            let podIndex = index * podsPerService + offset
            return """
                {"addresses":["10.\(podIndex / 65536).\(podIndex / 256 % 256).\(podIndex % 256)"],\
                "conditions":{"ready":true,"serving":true,"terminating":false},\
                "targetRef":{"kind":"Pod","namespace":"bench","name":"web-\(index)-\(podIndex)"},"nodeName":"node-\(podIndex % 50)"}
                """
        }
        return """
            {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"web-\(index)-abcde","namespace":"bench",\
            "resourceVersion":"\(200_000 + index)","labels":{"kubernetes.io/service-name":"web-\(index)"}},"addressType":"IPv4",\
            "endpoints":[\(endpoints.joined(separator: ","))],"ports":[{"name":"http","protocol":"TCP","port":8080}]}
            """
    }

    func decode(_ resource: KubeResource, _ json: String) -> any KubeObject {
        do { return try resource.decodeObject(Data(json.utf8), decoder: JSONDecoder()) } catch { fatalError("\(error)") }
    }

    let pods = (0..<services * podsPerService).map { decode(.pods, pod($0)) }
    let serviceObjects = (0..<services).map { decode(.services, service($0)) }
    let slices = (0..<services).map { decode(.endpointslices, slice($0)) }
    let targets = KubernetesTargets(attach: .init(), includeFinishedPods: false)

    /// The endpointslice role's state after the three informers listed.
    @Sendable func syncedSliceState() -> (KubernetesDiscoveryState, Int) {
        var state = KubernetesDiscoveryState(
            role: .endpointslices, targets: targets,
            informers: [KubeResource.endpointslices, .services, .pods].map { .init(resource: $0, namespace: "bench") })
        _ = state.apply(KubeStoreChange(resource: .pods, namespace: "bench", action: .replace(pods)))
        _ = state.apply(KubeStoreChange(resource: .services, namespace: "bench", action: .replace(serviceObjects)))
        let groups = state.apply(KubeStoreChange(resource: .endpointslices, namespace: "bench", action: .replace(slices)))
        return (state, groups.reduce(0) { $0 + $1.targets.count })
    }

    Benchmark("Kubernetes endpointslice: initial sync, 10,000 pods / 2,000 services / 2,000 slices",
              configuration: .init(maxDuration: .seconds(10), maxIterations: 20)) { benchmark in
        for _ in benchmark.scaledIterations {
            let (state, count) = syncedSliceState()
            precondition(count == services * podsPerService * 2, "\(count) targets")
            blackHole(state)
        }
    }

    /// One watch line applied per iteration; alternating objects so every event is a change.
    func eventBenchmark(_ name: String, state makeState: @escaping @Sendable () -> KubernetesDiscoveryState, resource: KubeResource,
                        lines: [Data], expectedGroups: Int) {
        Benchmark(name, configuration: .init(scalingFactor: .kilo)) { benchmark in
            var state = makeState()
            let decoder = JSONDecoder()
            benchmark.startMeasurement()
            for iteration in benchmark.scaledIterations {
                let line = lines[iteration % lines.count]
                guard case .modified(let object) = try KubeWatchEvent.decode(line, resource: resource, decoder: decoder) else {
                    fatalError("not a MODIFIED event")
                }
                let groups = state.apply(KubeStoreChange(resource: resource, namespace: "bench", action: .upsert(object)))
                precondition(groups.count == expectedGroups, "\(groups.count) groups")
                blackHole(groups)
            }
            // Freeing the state is not part of an event.
            benchmark.stopMeasurement()
            blackHole(state)
        }
    }

    func watchLine(_ object: String) -> Data { Data(#"{"type":"MODIFIED","object":\#(object)}"#.utf8) }

    eventBenchmark("Kubernetes endpointslice: pod MODIFIED event → groups",
                   state: { syncedSliceState().0 }, resource: .pods,
                   lines: [watchLine(pod(4_321, ready: false)), watchLine(pod(4_321, ready: true))], expectedGroups: 1)
    eventBenchmark("Kubernetes endpointslice: service MODIFIED event → groups",
                   state: { syncedSliceState().0 }, resource: .services,
                   lines: [watchLine(service(864, probe: "false")), watchLine(service(864, probe: "true"))], expectedGroups: 1)
    eventBenchmark("Kubernetes pod role: pod MODIFIED event → groups (10,000 pods)",
                   state: {
                       var state = KubernetesDiscoveryState(
                           role: .pods, targets: targets, informers: [.init(resource: .pods, namespace: "bench")])
                       _ = state.apply(KubeStoreChange(resource: .pods, namespace: "bench", action: .replace(pods)))
                       return state
                   }, resource: .pods,
                   lines: [watchLine(pod(4_321, ready: false)), watchLine(pod(4_321, ready: true))], expectedGroups: 1)
}
