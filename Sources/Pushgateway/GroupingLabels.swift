import Exposition

/// `sanitizeLabels` of the real Pushgateway (`storage/diskmetricstore.go`): every metric of a
/// pushed family gets the grouping labels (overwriting a pushed label of the same name) and
/// an empty `instance` label when it has none; its labels are then sorted by name.
enum GroupingLabels {
    static func apply(_ key: GroupingKey, to family: inout PushedFamily) {
        for index in family.metric.indices {
            var labels = family.metric[index].label
            for grouping in key.labels {
                if let existing = labels.firstIndex(where: { $0.name == grouping.name }) {
                    labels[existing].value = grouping.value
                } else {
                    var pair = Io_Prometheus_Client_LabelPair()
                    pair.name = grouping.name
                    pair.value = grouping.value
                    labels.append(pair)
                }
            }
            if !labels.contains(where: { $0.name == "instance" }) {
                var pair = Io_Prometheus_Client_LabelPair()
                pair.name = "instance"
                pair.value = ""
                labels.append(pair)
            }
            // Stable, as Go's sort.Sort is not, but equal names are an error the check reports anyway.
            labels.sort { $0.name < $1.name }
            family.metric[index].label = labels
        }
    }
}
