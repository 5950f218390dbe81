import Exposition
import Testing

@Suite struct ExpositionFormatTests {
    @Test(arguments: [
        ("text/plain; version=0.0.4; charset=utf-8", ExpositionFormat.text),
        ("text/plain", .text),
        ("application/openmetrics-text; version=1.0.0; charset=utf-8", .openMetrics),
        ("application/openmetrics-text;version=0.0.1", .openMetrics),
        ("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited", .protobuf),
    ])
    func recognisesContentTypes(contentType: String, format: ExpositionFormat) {
        #expect(ExpositionFormat(contentType: contentType) == format)
        #expect(ExpositionFormat(contentType: format.contentType) == format)
    }

    @Test func refusesUnknownContentTypes() {
        #expect(ExpositionFormat(contentType: "application/json") == nil)
        #expect(ExpositionFormat(contentType: "") == nil)
        #expect(ExpositionFormat(contentType: "application/vnd.google.protobuf; proto=other") == nil)
    }
}
