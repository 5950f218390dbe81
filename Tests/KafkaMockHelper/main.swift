// Hosts librdkafka's mock cluster for benchmarks that run Pharos's cluster roles as separate
// processes (bench/cluster_lag.py): no Kafka broker can run here, and the mock cluster speaks
// the real Kafka protocol on loopback TCP. Data lives in this process's memory.
//
// Usage: pharos-kafka-mock-helper TOPIC PARTITIONS
// Prints the bootstrap servers (`host:port,...`) on one line, then runs until standard input
// closes (the parent exits or closes the pipe) or SIGTERM.
import Stream

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count == 3, let partitions = Int(arguments[2]), partitions >= 1 else {
    print("usage: pharos-kafka-mock-helper TOPIC PARTITIONS")
    exit(2)
}
do {
    let cluster = try KafkaMockCluster(brokers: 3)
    try cluster.createTopic(arguments[1], partitions: partitions, replicationFactor: 3)
    var line = cluster.bootstraps + "\n"  // one write, unbuffered: the parent reads it at once
    line.withUTF8 { buffer in _ = write(1, buffer.baseAddress, buffer.count) }
    var byte: UInt8 = 0
    while read(0, &byte, 1) > 0 {}
    withExtendedLifetime(cluster) {}
} catch {
    print("mock cluster failed: \(error)")
    exit(1)
}
