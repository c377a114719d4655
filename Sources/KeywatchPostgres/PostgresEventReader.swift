import KeywatchCore
import Logging
import NIOCore
import PostgresNIO

/// Reads stored events back as ``Event``s, their text decoded (``PostgresText``), with the record
/// as received: what a query prints and what a test compares with the batch it wrote.
///
/// ```swift
/// let events = try await PostgresEventReader(connection: connection, logger: logger)
///     .events(from: day.start, to: EventDay(number: day.number + 1).start)
/// ```
public struct PostgresEventReader: Sendable {
    public let connection: PostgresConnection
    public let logger: Logger

    public init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Events from `start` (included) to `end` (excluded), by time then key, with their records.
    public func events(from start: Timestamp = EventTimeBounds.earliest,
                       to end: Timestamp = EventTimeBounds.anyTimeSinceEpoch.latest) async throws(PostgresStoreError) -> [StoredEvent] {
        var query = PostgresQuery(unsafeSQL: """
            SELECT key, (extract(epoch FROM time) * 1000000)::bigint, source, operation, class, outcome, status,
                   error_code, reason, principal, principal_type, principal_name, app_id, session, new_session,
                   namespace, service_account, tenant, account, scope, resource, resource_type, object_name,
                   resource_namespace, ip, user_agent, region, request_id, input, input_offset, raw
            FROM events
            WHERE time >= timestamptz 'epoch' + $1 * interval '1 microsecond'
              AND time < timestamptz 'epoch' + $2 * interval '1 microsecond'
            ORDER BY time, key
            """)
        query.binds.append(start.microseconds)
        query.binds.append(end.microseconds)
        do {
            var events: [StoredEvent] = []
            for try await row in try await connection.query(query, logger: logger) {
                events.append(try Self.event(row.makeRandomAccess()))
            }
            return events
        } catch {
            throw PostgresStoreError(error, doing: "reading events")
        }
    }

    private static func event(_ row: PostgresRandomAccessRow) throws -> StoredEvent {
        func text(_ column: Int) throws -> String? {
            try row[column].decode(String?.self).map(PostgresText.decode)
        }
        func code<T: RawRepresentable>(_ column: Int, _: T.Type) throws -> T? where T.RawValue == String {
            guard let value = try text(column) else { return nil }
            guard let code = T(rawValue: value) else {
                throw PostgresStoreError.server("a stored event holds '\(value)' in column \(column), which this keywatch does not know")
            }
            return code
        }
        var event = Event(
            key: try text(0) ?? "", source: try code(2, EventSource.self) ?? .awsKMS,
            time: Timestamp(microseconds: try row[1].decode(Int64.self)), operation: try text(3) ?? "",
            eventClass: try code(4, EventClass.self) ?? .other, outcome: try code(5, Outcome.self) ?? .failed,
            resourceType: try code(21, ResourceType.self) ?? .none,
            origin: Origin(input: try text(28) ?? "", offset: try row[29].decode(Int64?.self)))
        event.status = try row[6].decode(Int32?.self).map(Int.init)
        event.errorCode = try text(7)
        event.reason = try code(8, DenialReason.self)
        event.principal = try text(9)
        event.principalType = try code(10, PrincipalType.self)
        event.principalName = try text(11)
        event.appID = try text(12)
        event.session = try text(13)
        event.newSession = try text(14)
        event.namespace = try text(15)
        event.serviceAccount = try text(16)
        event.tenant = try text(17)
        event.account = try text(18)
        event.scope = try text(19)
        event.resource = try text(20)
        event.objectName = try text(22)
        event.resourceNamespace = try text(23)
        event.ip = try text(24)
        event.userAgent = try text(25)
        event.region = try text(26)
        event.requestID = try text(27)
        let raw = try row[30].decode(ByteBuffer.self)
        return StoredEvent(event: event, raw: Array(raw.readableBytesView))
    }
}

/// An event as stored, with its record byte for byte as received.
public struct StoredEvent: Sendable, Equatable {
    public var event: Event
    public var raw: [UInt8]
}
