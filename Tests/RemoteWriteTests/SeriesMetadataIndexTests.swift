import Exposition
@testable import RemoteWrite
import Testing

/// Which family's metadata a 2.0 series carries.
@Suite struct SeriesMetadataIndexTests {
    static let index = SeriesMetadataIndex([
        RemoteWriteFamilyMetadata(familyName: "http_requests_total", metadata: MetricMetadata(type: .counter, help: "Requests.")),
        RemoteWriteFamilyMetadata(familyName: "http_requests_total", metadata: MetricMetadata(type: .gauge, help: "Other target.")),
        RemoteWriteFamilyMetadata(familyName: "latency", metadata: MetricMetadata(type: .histogram, help: "Latency.", unit: "seconds")),
        RemoteWriteFamilyMetadata(familyName: "rpc", metadata: MetricMetadata(type: .summary)),
        RemoteWriteFamilyMetadata(familyName: "jobs", metadata: MetricMetadata(type: .counter)),
        RemoteWriteFamilyMetadata(familyName: "temperature", metadata: MetricMetadata(type: .gauge)),
        RemoteWriteFamilyMetadata(familyName: "build", metadata: MetricMetadata(type: .info)),
    ])

    @Test(arguments: [
        ("http_requests_total", MetricType.counter),  // text format: the family is named with _total; the first entry wins
        ("latency_bucket", .histogram), ("latency_count", .histogram), ("latency_sum", .histogram),
        ("rpc", .summary), ("rpc_count", .summary), ("rpc_sum", .summary),
        ("jobs_total", .counter), ("jobs_created", .counter),  // OpenMetrics: the family is named without
        ("temperature", .gauge), ("build_info", .info),
    ])
    func seriesFindTheirFamily(name: String, type: MetricType) {
        #expect(Self.index.metadata(forSeries: name)?.type == type)
    }

    @Test(arguments: ["temperature_total", "temperature_bucket", "rpc_bucket", "latency_total", "unknown_metric", "", "up"])
    func suffixesOnlyApplyToFamiliesThatUseThem(name: String) {
        #expect(Self.index.metadata(forSeries: name) == nil)
    }

    @Test func keepsHelpAndUnit() {
        #expect(Self.index.metadata(forSeries: "latency_bucket") == MetricMetadata(type: .histogram, help: "Latency.", unit: "seconds"))
        #expect(SeriesMetadataIndex().isEmpty && !Self.index.isEmpty)
    }
}
