// keywatch's shim over librdkafka: the header as it is, plus typed wrappers where its API is a
// macro or variadic, which Swift cannot call.
#ifndef KEYWATCH_KAFKA_SHIM_H
#define KEYWATCH_KAFKA_SHIM_H

#include <librdkafka/rdkafka.h>

/// RD_KAFKA_OFFSET_BEGINNING, RD_KAFKA_OFFSET_STORED and RD_KAFKA_OFFSET_INVALID are macros of
/// casts, which Swift does not import.
static inline int64_t keywatch_kafka_offset_beginning(void) { return RD_KAFKA_OFFSET_BEGINNING; }
static inline int64_t keywatch_kafka_offset_invalid(void) { return RD_KAFKA_OFFSET_INVALID; }
static inline int64_t keywatch_kafka_offset_stored(void) { return RD_KAFKA_OFFSET_STORED; }

/// rd_kafka_producev is variadic: a message's topic, partition, value and copy flag.
static inline rd_kafka_resp_err_t keywatch_kafka_produce(rd_kafka_t *handle, const char *topic, int32_t partition,
                                                         const void *value, size_t size) {
    return rd_kafka_producev(handle, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_VALUE((void *)value, size), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_END);
}

#endif
