package import Model

/// A value a template sees: Go's data model without reflection. Each case stands for the Go type
/// Prometheus and Alertmanager hand to `text/template`, so printing, truth, comparison and field
/// access behave as they do in Go.
package enum TemplateValue: Sendable, Equatable {
    /// Go's invalid value / nil interface: prints `<no value>`, is false, compares only to itself.
    case missing
    /// A Go `string`.
    case string(String)
    /// A Go `int` (integer constants in templates are `int`).
    case int(Int)
    /// A Go `float64`.
    case float(Double)
    /// A Go `bool`.
    case bool(Bool)
    /// A Go `[]interface{}` (or any slice); printed `[a b]`.
    case list([TemplateValue])
    /// A Go map with string keys; `range` visits keys in sorted order.
    case map(TemplateMap)
    /// A Go struct value with exported fields in declaration order.
    case record(TemplateRecord)
    /// Prometheus's `*template.sample`: `.Labels` and `.Value`.
    case sample(QueryResultSample)
    /// Prometheus's `template.queryResult` (a slice of samples), as `query` returns it.
    case samples([QueryResultSample])
    /// A Go `time.Time` in UTC.
    case time(TemplateTime)
    /// A Go `time.Duration` in nanoseconds.
    case duration(Int64)
    /// `html/template.HTML`: a string that needs no escaping (`safeHtml`).
    case html(String)

    /// Wraps a Go `map[string]string`: missing keys read as `""` under `missingkey=zero`.
    package static func stringMap(_ entries: [String: String]) -> TemplateValue {
        .map(TemplateMap(entries.mapValues { .string($0) }, elementType: .string))
    }

    /// The Go type name, as `%T` and error messages print it.
    package var goTypeName: String {
        switch self {
        case .missing: "<nil>"
        case .string: "string"
        case .int: "int"
        case .float: "float64"
        case .bool: "bool"
        case .list: "[]interface {}"
        case .map(let map): map.isKV ? "template.KV" : map.elementType.goMapTypeName
        case .record(let record): record.typeName
        case .sample: "*template.sample"
        case .samples: "template.queryResult"
        case .time: "time.Time"
        case .duration: "time.Duration"
        case .html: "template.HTML"
        }
    }

    /// Go's `text/template` truth: false for the zero value of its type and for empty
    /// strings, slices and maps; structs are always true.
    package var isTrue: Bool {
        switch self {
        case .missing: false
        case .string(let s), .html(let s): !s.isEmpty
        case .int(let i): i != 0
        case .float(let f): f != 0
        case .bool(let b): b
        case .list(let l): !l.isEmpty
        case .map(let m): !m.entries.isEmpty
        case .samples(let s): !s.isEmpty
        case .duration(let d): d != 0
        case .record, .sample, .time: true
        }
    }
}

/// A Go map with string keys and the element type that decides what a missing key reads as.
package struct TemplateMap: Sendable, Equatable {
    /// The Go element type of the map.
    package enum ElementType: Sendable, Equatable {
        /// `map[string]string`: a missing key's zero value is `""`.
        case string
        /// `map[string]interface{}`: a missing key's zero value is nil (`<no value>`).
        case any

        var zero: TemplateValue { self == .string ? .string("") : .missing }
        var goMapTypeName: String { self == .string ? "map[string]string" : "map[string]interface {}" }
    }

    /// The entries.
    package var entries: [String: TemplateValue]
    /// The element type.
    package var elementType: ElementType
    /// Whether it is Alertmanager's `template.KV` (a `map[string]string` with the methods
    /// `SortedPairs`, `Names`, `Values` and `Remove`).
    package var isKV: Bool

    /// Creates a map; `elementType` defaults to `interface{}`.
    package init(_ entries: [String: TemplateValue], elementType: ElementType = .any, isKV: Bool = false) {
        self.entries = entries
        self.elementType = elementType
        self.isKV = isKV
    }

    /// Keys in the order Go's `fmt` and `range` use (byte-wise ascending).
    var sortedKeys: [String] { entries.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) } }
}

/// A Go struct value: exported fields in declaration order, the type name errors print, and
/// its methods (Alertmanager's `.Alerts.Firing`, `.Labels.SortedPairs`, …) as functions whose
/// receiver is captured when the record is built.
package struct TemplateRecord: Sendable, Equatable {
    /// The Go type as `reflect.Type.String()` prints it.
    package var typeName: String
    /// Field names, in declaration order.
    package var fieldNames: [String]
    /// Field values, parallel to `fieldNames`.
    package var fieldValues: [TemplateValue]
    /// Methods by name; templates call them like fields with arguments (`.Format "2006"`).
    package var methods: [String: TemplateFunction]
    /// Fields declared `interface{}`: Go names that static type when a field of their value
    /// cannot be found (`can't evaluate field x in type interface {}`).
    package var interfaceFields: Set<String>

    /// Creates a record from `(name, value)` pairs in declaration order.
    package init(
        typeName: String, fields: [(String, TemplateValue)], methods: [String: TemplateFunction] = [:],
        interfaceFields: Set<String> = []
    ) {
        self.typeName = typeName
        fieldNames = fields.map(\.0)
        fieldValues = fields.map(\.1)
        self.methods = methods
        self.interfaceFields = interfaceFields
    }

    /// Records are equal when type and fields are; methods are behaviour, not state.
    package static func == (lhs: TemplateRecord, rhs: TemplateRecord) -> Bool {
        lhs.typeName == rhs.typeName && lhs.fieldNames == rhs.fieldNames && lhs.fieldValues == rhs.fieldValues
    }

    /// The value of field `name`, or `nil` if the struct has no such field.
    package subscript(field name: String) -> TemplateValue? {
        fieldNames.firstIndex(of: name).map { fieldValues[$0] }
    }
}

/// One element of a PromQL instant-vector result, as Prometheus's `query` template function
/// hands it to templates (`.Labels`, `.Value`).
package struct QueryResultSample: Sendable, Equatable {
    /// The series labels (including `__name__` when present).
    package var labels: Labels
    /// The sample value.
    package var value: Double

    /// Creates a sample.
    package init(labels: Labels, value: Double) {
        self.labels = labels
        self.value = value
    }

    /// The labels as a Go `map[string]string`.
    var labelMap: TemplateValue {
        var entries: [String: String] = [:]
        for label in labels { entries[label.name] = label.value }
        return .stringMap(entries)
    }

    /// Compares values bit for bit so NaN samples equal themselves (tests compare results).
    package static func == (lhs: QueryResultSample, rhs: QueryResultSample) -> Bool {
        lhs.labels == rhs.labels && lhs.value.bitPattern == rhs.value.bitPattern
    }
}

/// A Go `time.Time` in UTC: whole seconds since the Unix epoch and nanoseconds within the second.
package struct TemplateTime: Sendable, Equatable, Comparable {
    /// Seconds since 1970-01-01T00:00:00Z (may be negative).
    package var seconds: Int64
    /// Nanoseconds, 0..<1_000_000_000.
    package var nanoseconds: Int64

    /// Creates a time, normalising `nanoseconds` into 0..<1e9.
    package init(seconds: Int64, nanoseconds: Int64) {
        let carry = nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : (nanoseconds - 999_999_999) / 1_000_000_000
        self.seconds = seconds + carry
        self.nanoseconds = nanoseconds - carry * 1_000_000_000
    }

    /// Orders by instant.
    package static func < (lhs: TemplateTime, rhs: TemplateTime) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }
}
