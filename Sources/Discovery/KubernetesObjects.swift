/// The parts of Kubernetes API objects that `kubernetes_sd_configs` reads, decoded from the API
/// server's JSON (`k8s.io/api` field names). Unknown fields are ignored and every field is
/// optional, as Go's decoder leaves them at zero values.
package enum Kube {
    /// `metadata`.
    package struct ObjectMeta: Decodable, Sendable, Equatable {
        var name: String?
        var namespace: String?
        var uid: String?
        var resourceVersion: String?
        var labels: [String: String]?
        var annotations: [String: String]?
        var ownerReferences: [OwnerReference]?

        /// `namespace/name`, or `name` for cluster-scoped objects (client-go's store key).
        var key: String { (namespace ?? "").isEmpty ? name ?? "" : "\(namespace ?? "")/\(name ?? "")" }

        /// The owner reference marked `controller: true` (`metav1.GetControllerOf`).
        var controller: OwnerReference? { ownerReferences?.first { $0.controller == true } }
    }

    struct OwnerReference: Decodable, Sendable, Equatable {
        var kind: String?
        var name: String?
        var controller: Bool?
    }

    struct ObjectReference: Decodable, Sendable, Equatable {
        var kind: String?
        var name: String?
        var namespace: String?
    }

    struct Condition: Decodable, Sendable, Equatable {
        var type: String?
        var status: String?
    }

    struct ContainerPort: Decodable, Sendable, Equatable {
        var name: String?
        var containerPort: Int?
        var `protocol`: String?
    }

    struct Container: Decodable, Sendable, Equatable {
        var name: String?
        var image: String?
        var ports: [ContainerPort]?
    }

    struct ContainerStatus: Decodable, Sendable, Equatable {
        var name: String?
        var containerID: String?
    }

    struct Pod: Decodable, Sendable, Equatable {
        struct Spec: Decodable, Sendable, Equatable {
            var nodeName: String?
            var containers: [Container]?
            var initContainers: [Container]?
        }
        struct Status: Decodable, Sendable, Equatable {
            var phase: String?
            var podIP: String?
            var hostIP: String?
            var conditions: [Condition]?
            var containerStatuses: [ContainerStatus]?
            var initContainerStatuses: [ContainerStatus]?
        }
        var metadata: ObjectMeta
        var spec: Spec?
        var status: Status?
    }

    struct Service: Decodable, Sendable, Equatable {
        struct Port: Decodable, Sendable, Equatable {
            var name: String?
            var port: Int?
            var `protocol`: String?
        }
        struct Spec: Decodable, Sendable, Equatable {
            var type: String?
            var clusterIP: String?
            var externalName: String?
            var loadBalancerIP: String?
            var ports: [Port]?
            var ipFamilyPolicy: String?
            var ipFamilies: [String]?
        }
        struct LoadBalancerIngress: Decodable, Sendable, Equatable {
            var ip: String?
        }
        struct LoadBalancerStatus: Decodable, Sendable, Equatable {
            var ingress: [LoadBalancerIngress]?
        }
        struct Status: Decodable, Sendable, Equatable {
            var loadBalancer: LoadBalancerStatus?
        }
        var metadata: ObjectMeta
        var spec: Spec?
        var status: Status?
    }

    struct Node: Decodable, Sendable, Equatable {
        struct Spec: Decodable, Sendable, Equatable {
            var providerID: String?
        }
        struct Address: Decodable, Sendable, Equatable {
            var type: String?
            var address: String?
        }
        struct DaemonEndpoint: Decodable, Sendable, Equatable {
            var port: Int?
            enum CodingKeys: String, CodingKey { case port = "Port" }
        }
        struct DaemonEndpoints: Decodable, Sendable, Equatable {
            var kubeletEndpoint: DaemonEndpoint?
        }
        struct Status: Decodable, Sendable, Equatable {
            var conditions: [Condition]?
            var addresses: [Address]?
            var daemonEndpoints: DaemonEndpoints?
        }
        var metadata: ObjectMeta
        var spec: Spec?
        var status: Status?
    }

    struct EndpointSlice: Decodable, Sendable, Equatable {
        struct Conditions: Decodable, Sendable, Equatable {
            var ready: Bool?
            var serving: Bool?
            var terminating: Bool?
        }
        struct Endpoint: Decodable, Sendable, Equatable {
            var addresses: [String]?
            var conditions: Conditions?
            var hostname: String?
            var targetRef: ObjectReference?
            var nodeName: String?
            var zone: String?
            var deprecatedTopology: [String: String]?
        }
        struct Port: Decodable, Sendable, Equatable {
            var name: String?
            var `protocol`: String?
            var port: Int?
            var appProtocol: String?
        }
        var metadata: ObjectMeta
        var addressType: String?
        var endpoints: [Endpoint]?
        var ports: [Port]?
    }

    struct Endpoints: Decodable, Sendable, Equatable {
        struct Address: Decodable, Sendable, Equatable {
            var ip: String?
            var hostname: String?
            var nodeName: String?
            var targetRef: ObjectReference?
        }
        struct Port: Decodable, Sendable, Equatable {
            var name: String?
            var port: Int?
            var `protocol`: String?
        }
        struct Subset: Decodable, Sendable, Equatable {
            var addresses: [Address]?
            var notReadyAddresses: [Address]?
            var ports: [Port]?
        }
        var metadata: ObjectMeta
        var subsets: [Subset]?
    }

    struct Ingress: Decodable, Sendable, Equatable {
        struct Path: Decodable, Sendable, Equatable {
            var path: String?
        }
        struct HTTPRule: Decodable, Sendable, Equatable {
            var paths: [Path]?
        }
        struct Rule: Decodable, Sendable, Equatable {
            var host: String?
            var http: HTTPRule?
        }
        struct TLS: Decodable, Sendable, Equatable {
            var hosts: [String]?
        }
        struct Spec: Decodable, Sendable, Equatable {
            var ingressClassName: String?
            var rules: [Rule]?
            var tls: [TLS]?
        }
        var metadata: ObjectMeta
        var spec: Spec?
    }

    /// Namespaces, ReplicaSets and Jobs: only their metadata matters (labels, owners).
    struct MetadataOnly: Decodable, Sendable, Equatable {
        var metadata: ObjectMeta
    }
}
