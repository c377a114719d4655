import KeywatchCore

/// How far one part of an input has read, committed with the events it brought: the last key of
/// an S3 listing (part `""`), the next offset of a Kafka partition (part `"3"`). A restart, or
/// a partition assigned again, resumes from it.
public struct InputPosition: Sendable, Equatable {
    /// The input's name (``InputReport/input``), such as `s3:org-cloudtrail/AWSLogs/`.
    public var input: String
    /// Which part of the input: `""` when it has one.
    public var part: String
    /// Where it stands, as the input writes it.
    public var position: String

    public init(input: String, part: String = "", position: String) {
        self.input = input
        self.part = part
        self.position = position
    }
}

/// An S3 object whose events are committed: the same bucket, key and ETag is not read again,
/// whichever message or listing names it. A new ETag under the key is a new object.
public struct StoredObject: Sendable, Hashable {
    public var bucket: String
    public var key: String
    public var etag: String

    public init(bucket: String, key: String, etag: String) {
        self.bucket = bucket
        self.key = key
        self.etag = etag
    }
}

extension EventStore {
    /// The positions committed for `input`, by part.
    public func inputPositions(of input: String) throws(StoreError) -> [String: String] {
        do {
            let select = try connection.prepare("SELECT part, position FROM input_positions WHERE input = ?1")
            try select.bind([.text(input)])
            var positions: [String: String] = [:]
            while try select.step() { positions[select.text(0) ?? ""] = select.text(1) ?? "" }
            return positions
        } catch {
            throw StoreError(error)
        }
    }

    /// Saves positions inside the current transaction (the one holding their events).
    public func saveInputPositions(_ positions: [InputPosition]) throws(StoreError) {
        guard !positions.isEmpty else { return }
        do {
            let upsert = try connection.prepare("""
                INSERT INTO input_positions(input, part, position) VALUES (?1, ?2, ?3)
                ON CONFLICT(input, part) DO UPDATE SET position = excluded.position
                """)
            for position in positions {
                try upsert.run([.text(position.input), .text(position.part), .text(position.position)])
            }
        } catch {
            throw StoreError(error)
        }
    }

    /// Whether the object's events are committed.
    public func contains(_ object: StoredObject) throws(StoreError) -> Bool {
        try StoredObject.isRecorded(object, in: connection)
    }

    /// Records objects as read, inside the current transaction (the one holding their events).
    public func saveObjects(_ objects: [StoredObject], at now: Timestamp) throws(StoreError) {
        guard !objects.isEmpty else { return }
        do {
            let insert = try connection.prepare("INSERT OR IGNORE INTO s3_objects(bucket, key, etag, stored) VALUES (?1, ?2, ?3, ?4)")
            for object in objects {
                try insert.run([.text(object.bucket), .text(object.key), .text(object.etag), .integer(now.microseconds)])
            }
        } catch {
            throw StoreError(error)
        }
    }
}

extension EventReader {
    /// Whether the object's events are committed: asked by an input, on its own thread, before
    /// it fetches an object again.
    public func contains(_ object: StoredObject) throws(StoreError) -> Bool {
        try StoredObject.isRecorded(object, in: connection)
    }
}

extension EventReader {
    /// Whether an object of this bucket and key is committed, whatever its ETag: for
    /// notifications that give none (CloudTrail writes each key once).
    public func containsObject(bucket: String, key: String) throws(StoreError) -> Bool {
        do {
            let select = try connection.prepare("SELECT 1 FROM s3_objects WHERE bucket = ?1 AND key = ?2 LIMIT 1")
            try select.bind([.text(bucket), .text(key)])
            return try select.step()
        } catch {
            throw StoreError(error)
        }
    }
}

extension StoredObject {
    static func isRecorded(_ object: StoredObject, in connection: SQLiteConnection) throws(StoreError) -> Bool {
        do {
            let select = try connection.prepare("SELECT 1 FROM s3_objects WHERE bucket = ?1 AND key = ?2 AND etag = ?3")
            try select.bind([.text(object.bucket), .text(object.key), .text(object.etag)])
            return try select.step()
        } catch {
            throw StoreError(error)
        }
    }
}
