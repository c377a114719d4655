import KeywatchCore

/// Decodes one Event Hubs message: what Key Vault's diagnostic setting sends is a
/// `{"records":[…]}` batch of `AuditEvent` records, decoded as a pushed body is (every shape of
/// docs/inputs.md). A message that is not one — not JSON, `records` not a list, too large — is
/// rejected with the reason, as any record is; its neighbours are stored all the same.
struct EventHubMessageDecoder {
    let decoder: RecordDecoder
    /// Larger messages are rejected unread: Event Hubs sends at most 1 MiB (20 MiB on a dedicated
    /// cluster), so a larger one did not come from a diagnostic setting.
    var maximumMessageBytes = 32 << 20

    /// - Parameter origin: where the message is, `eventhub:<bootstrap>/<hub>/<partition>/<offset>`.
    func decode(_ payload: UnsafeRawBufferPointer, origin: Origin, into batch: inout EventBatch) {
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
