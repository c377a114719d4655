import Foundation

/// Splits a byte stream into JSON records without reading it whole.
///
/// It understands every container shape of docs/inputs.md by structure alone: JSON Lines or
/// concatenated values (each top-level value is a record), a bare top-level array (each element),
/// and wrapper objects whose `Records`, `records` or `logEvents` array holds the records — streamed
/// element by element, so a 2 GB CloudTrail file needs memory for one record, not for the file.
///
/// The framer finds boundaries and checks the structure (brackets, keys, colons, commas); each
/// record is validated fully afterwards by ``JSONParser``. What cannot be framed is reported as a
/// ``Problem``: a record over ``maximumRecordBytes`` (its bytes are skipped, never held), a line
/// that ends inside a value in JSON Lines input, broken structure, input that ends inside a value.
/// After a broken record in line-oriented input it resumes at the next line, so one bad record
/// never costs its neighbours; in a multi-line document nothing after a structural break can be
/// framed reliably, so the rest of that input is reported once.
public final class RecordFramer {
    /// The wrapper arrays the framer streams through.
    public enum WrapperKey: String, Sendable {
        case records = "records"
        case capitalRecords = "Records"
        case logEvents = "logEvents"
    }

    /// What contained a framed record.
    public enum Container: Sendable, Equatable {
        /// A top-level value (a line of JSON Lines, or a whole document).
        case topLevel
        /// An element of a bare top-level array.
        case array
        /// An element of a wrapper object's array; `controlMessage` when a CloudWatch Logs
        /// payload declared `"messageType":"CONTROL_MESSAGE"` before its `logEvents`.
        case wrapper(WrapperKey, controlMessage: Bool)
    }

    /// A complete record's bytes (valid only while the handler runs) and where it starts.
    public struct Record {
        public var bytes: UnsafeRawBufferPointer
        /// Offset of the record's first byte in the stream.
        public var offset: Int64
        public var container: Container
    }

    /// A part of the stream that could not be framed.
    public struct Problem: Sendable, Equatable, Error {
        public var offset: Int64
        public var reason: String
        /// The first bytes of the rejected part.
        public var prefix: [UInt8]
    }

    public enum Output {
        case record(Record)
        case problem(Problem)
    }

    /// Receives what the framer finds.
    public protocol Handler {
        /// A complete record, or a part of the stream that could not be framed.
        mutating func handle(_ output: Output)
        /// A record starts at the beginning of `bytes` (which may continue past it): decode it in
        /// place and return its length — one pass over its bytes instead of two — or return nil to
        /// let the framer find its end (it will then call ``handle(_:)`` with it).
        mutating func leadingRecord(_ bytes: UnsafeRawBufferPointer, offset: Int64, container: Container) -> Int?
    }

    /// Adapts a closure to ``Handler`` (without decoding in place).
    struct ClosureHandler: Handler {
        let body: (Output) -> Void
        func handle(_ output: Output) { body(output) }
        func leadingRecord(_ bytes: UnsafeRawBufferPointer, offset: Int64, container: Container) -> Int? { nil }
    }

    /// Records larger than this are rejected; their bytes are skipped, never buffered.
    public var maximumRecordBytes: Int { state.maximumRecordBytes }
    /// How many leading bytes of a rejected part a ``Problem`` keeps.
    public static let problemPrefixBytes = 256

    private var state: FramerState
    private var capacity: Int

    /// - Parameter offset: where in its file the stream starts (a tailed file resumed at its
    ///   committed offset), so that record offsets stay offsets in the file.
    public init(maximumRecordBytes: Int = 8 << 20, startingAt offset: Int64 = 0) {
        capacity = 1 << 16
        state = FramerState(
            buffer: .allocate(capacity: capacity), maximumRecordBytes: maximumRecordBytes,
            frames: .allocate(capacity: FramerState.checkedDepth + 1))
        state.bufferStart = offset
    }

    deinit {
        state.buffer.deallocate()
        state.frames.deallocate()
    }

    /// Bytes the framer's buffer can hold now (it grows only for a record in progress).
    public var bufferCapacity: Int { capacity }

    /// Bytes of the stream consumed so far (framed, rejected or skipped).
    public var consumedOffset: Int64 { state.bufferStart + Int64(state.scan) }

    /// True when everything consumed so far is whole top-level values: ``consumedOffset`` is then
    /// a point where reading can resume from scratch (a tailed file's committed offset).
    public var isBetweenValues: Bool { state.mode == .between && !state.unitActive }

    /// The first byte of the stream that is not whitespace (or a byte-order mark), once written;
    /// nil while none has arrived. Valid until the first ``drain(_:)``.
    public var firstSignificantByte: UInt8? {
        var index = state.count >= 3 && state.buffer[0] == 0xEF && state.buffer[1] == 0xBB && state.buffer[2] == 0xBF ? 3 : 0
        while index < state.count {
            switch state.buffer[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return state.buffer[index]
            }
        }
        return nil
    }

    /// Appends `bytes` to the stream.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        reserve(bytes.count)
        UnsafeMutableRawPointer(state.buffer + state.count).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        state.count += bytes.count
    }

    /// Lets `fill` write up to `maximum` bytes straight into the stream buffer (decompression
    /// without a copy); `fill` returns how many it wrote.
    public func write<E: Error>(upTo maximum: Int, _ fill: (UnsafeMutableRawBufferPointer) throws(E) -> Int) throws(E) -> Int {
        reserve(maximum)
        let written = try fill(UnsafeMutableRawBufferPointer(start: state.buffer + state.count, count: maximum))
        precondition(written >= 0 && written <= maximum, "wrote outside the buffer")
        state.count += written
        return written
    }

    /// Frames every complete record written so far, handing each to `handler` in stream order.
    public func drain<H: Handler>(_ handler: inout H) {
        run(final: false, &handler)
        compact()
    }

    /// Ends the stream: frames what is left and reports a record the input stopped inside.
    public func finish<H: Handler>(_ handler: inout H) {
        run(final: true, &handler)
        state.finish()
        Self.deliver(&state, &handler)
        compact()
    }

    /// ``drain(_:)`` with a closure (no decoding in place).
    public func drain(_ handle: (Output) -> Void) {
        withoutActuallyEscaping(handle) { body in
            var handler = ClosureHandler(body: body)
            drain(&handler)
        }
    }

    /// ``finish(_:)`` with a closure.
    public func finish(_ handle: (Output) -> Void) {
        withoutActuallyEscaping(handle) { body in
            var handler = ClosureHandler(body: body)
            finish(&handler)
        }
    }

    /// Frames and hands over records, on the state in one access: each of the several reads and
    /// changes of the framer's state per record was a dynamic exclusivity check of its own.
    /// A handler must not call back into this framer.
    private func run<H: Handler>(final: Bool, _ handler: inout H) {
        Self.run(&state, final: final, &handler)
    }

    private static func run<H: Handler>(_ state: inout FramerState, final: Bool, _ handler: inout H) {
        while true {
            state.frame(final: final)
            deliver(&state, &handler)
            guard state.leadingRecordPending else { return }
            state.leadingRecordPending = false
            let start = state.unitStart
            var available = min(state.count - start, state.maximumRecordBytes)
            // A JSON Lines record ends on its line. Without this bound, one whose line had already
            // arrived whole with the next would be decoded across the newline, while the same bytes
            // arriving in pieces would be rejected as a truncated line. Only there: an element of
            // a record array (CloudTrail's one-line files) may be followed by megabytes without a newline.
            if state.linesMode == true, let newline = state.findNewline(from: start, before: start + available) {
                available = newline - start
            }
            let bytes = UnsafeRawBufferPointer(start: state.buffer + start, count: available)
            if let length = handler.leadingRecord(bytes, offset: state.unitOffset, container: state.unitContainer),
               length > 0, length <= available {
                state.leadingRecordDecoded(length: length)
            } else {
                state.leadingRecordDeclined()
            }
        }
    }

    /// Hands over what the scan found. Records stay in the buffer until the next compaction.
    private static func deliver<H: Handler>(_ state: inout FramerState, _ handler: inout H) {
        guard !state.outputs.isEmpty else { return }
        for output in state.outputs {
            switch output {
            case .record(let start, let end, let offset, let container):
                handler.handle(.record(Record(
                    bytes: UnsafeRawBufferPointer(start: state.buffer + start, count: end - start),
                    offset: offset, container: container)))
            case .problem(let problem):
                handler.handle(.problem(problem))
            }
        }
        state.outputs.removeAll(keepingCapacity: true)
    }

    private func reserve(_ extra: Int) {
        compact()
        if state.count + extra <= capacity { return }
        var newCapacity = capacity
        while newCapacity < state.count + extra { newCapacity *= 2 }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.update(from: state.buffer, count: state.count)
        state.buffer.deallocate()
        state.buffer = bigger
        capacity = newCapacity
    }

    /// Discards bytes no longer needed: everything before the open unit, or before `scan`.
    private func compact() {
        let keepFrom = state.unitStart >= 0 ? min(state.unitStart, state.scan) : state.scan
        guard keepFrom > 0 else { return }
        let remaining = state.count - keepFrom
        if remaining > 0 { state.buffer.update(from: state.buffer + keepFrom, count: remaining) }
        state.count = remaining
        state.scan -= keepFrom
        if state.unitStart >= 0 { state.unitStart -= keepFrom }
        state.bufferStart += Int64(keepFrom)
    }
}
