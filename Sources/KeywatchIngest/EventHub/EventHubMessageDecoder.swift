import KeywatchCore

/// Decodes one Event Hubs message: what Key Vault's diagnostic setting sends is a
/// `{"records":[…]}` batch of `AuditEvent` records, decoded as a pushed body is (every shape of
/// docs/inputs.md). A message that is not one — not JSON, `records` not a list, too large — is
/// rejected with the reason, as any record is; its neighbours are stored all the same.
struct EventHubMessageDecoder {
    let decoder: RecordDecoder
    /// Larger messages are rejected unread: Event Hubs takes at most 1 MiB (20 MiB on a dedicated
    /// cluster), so a larger one did not come from a diagnostic setting. (A message is also one
    /// document for the record framer, which refuses more than 8 MiB.)
    var maximumMessageBytes = 20 << 20

    /// Decodes the message at `offset` of a partition into `batch`; its events and rejects have
    /// the origin `<partition>@<offset>`, the partition named as `eventhub:<bootstrap>/<hub>/<number>`.
    func decode(_ payload: UnsafeRawBufferPointer, partition: String, offset: Int64, into batch: inout EventBatch) {
        let rows = batch.rows.count, rejects = batch.rejects.count
        // Decoded without an offset (a body's records have none), then given the message's.
        decode(payload, origin: Origin(input: partition, offset: nil), into: &batch)
        for index in rows..<batch.rows.count { batch.rows[index].inputOffset = offset }
        // Rejects are stored once per input, generation, offset and reason: the record's place in
        // its message tells two bad records of one message apart.
        for index in rejects..<batch.rejects.count {
            batch.rejects[index].origin.offset = offset
            batch.rejects[index].inputGeneration = Int64(index - rejects + 1)
        }
    }

    private func decode(_ payload: UnsafeRawBufferPointer, origin: Origin, into batch: inout EventBatch) {
        if payload.isEmpty {
            batch.rejects.append(Reject(origin: origin, reason: "an empty message", prefix: []))
        } else if payload.count > maximumMessageBytes {
            batch.rejects.append(Reject(origin: origin, reason: "a message of \(payload.count) bytes, over the limit of \(maximumMessageBytes)",
                                        prefix: payload))
        } else {
            decoder.decodeDocument(payload, origin: origin, into: &batch)
        }
    }
}
