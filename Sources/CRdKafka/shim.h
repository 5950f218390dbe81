// Debian's librdkafka (librdkafka-dev): the Kafka client behind KafkaLog, and its mock cluster
// (an in-process cluster speaking the real Kafka protocol on loopback, used by the tests).
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
