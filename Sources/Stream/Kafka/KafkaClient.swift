internal import CRdKafka
internal import Logging

/// A librdkafka handle (`rd_kafka_t *` or `rd_kafka_topic_t *`) that may cross threads.
struct KafkaHandle: @unchecked Sendable {
    // @unchecked: librdkafka's handles are thread-safe (rdkafka.h: "all functions are thread
    // safe" unless noted); the few that are not, consumer polls, are confined to one worker.
    let pointer: OpaquePointer
}

/// librdkafka handles: configuration, creation and error translation shared by `KafkaLog`'s
/// producer, consumers and committers.
enum KafkaClient {
    /// What librdkafka's callbacks reach through the handle's opaque pointer.
    final class Context: Sendable {
        let logger: Logger
        init(logger: Logger) { self.logger = logger }
    }

    /// A new handle of `type` with `settings` applied in order (later ones win).
    /// - Throws: `.invalidKafkaSetting` naming the key librdkafka refused; `.kafka` when the
    ///   handle cannot be created.
    static func makeHandle(
        _ type: rd_kafka_type_t, settings: [(key: String, value: String)], context: Context,
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws(StreamError) -> KafkaHandle {
        guard let conf = rd_kafka_conf_new() else { preconditionFailure("BUG: rd_kafka_conf_new returned NULL") }
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in settings {
            let result = rd_kafka_conf_set(conf, key, value, &errorText, errorText.count)
            guard result == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                throw .invalidKafkaSetting(key: key, message: text(errorText))
            }
        }
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        rd_kafka_conf_set_log_cb(conf) { handle, level, facility, message in
            guard let handle, let opaque = rd_kafka_opaque(handle) else { return }
            let context = Unmanaged<Context>.fromOpaque(opaque).takeUnretainedValue()
            let text = message.map { String(cString: $0) } ?? ""
            let facility = facility.map { String(cString: $0) } ?? ""
            // syslog levels: 0-3 errors, 4 warning, 5-6 notice/info, 7 debug.
            let logLevel: Logger.Level = level <= 3 ? .error : level == 4 ? .warning : level <= 6 ? .info : .debug
            context.logger.log(level: logLevel, "librdkafka: \(text)", metadata: ["facility": "\(facility)"])
        }
        configure(conf)
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            // rd_kafka_new frees the configuration only on success.
            rd_kafka_conf_destroy(conf)
            throw .kafka(code: "_INVALID_ARG", message: text(errorText))
        }
        return KafkaHandle(pointer: handle)
    }

    /// The NUL-terminated text librdkafka wrote into `buffer`.
    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `code` as a `StreamError` with librdkafka's name and text for it.
    static func error(_ code: rd_kafka_resp_err_t) -> StreamError {
        .kafka(code: String(cString: rd_kafka_err2name(code)), message: String(cString: rd_kafka_err2str(code)))
    }

    /// A one-entry partition list for `topic`/`partition` at `offset`; destroy it after use.
    static func partitionList(topic: String, partition: Int, offset: Int64) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(1)!
        let entry = rd_kafka_topic_partition_list_add(list, topic, Int32(partition))!
        entry.pointee.offset = offset
        return list
    }
}
