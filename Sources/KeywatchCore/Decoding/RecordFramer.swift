import Foundation

/// Splits a byte stream into JSON records without reading it whole.
///
/// It understands every container shape of SPEC §1 by structure alone: JSON Lines or
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

    public init(maximumRecordBytes: Int = 8 << 20) {
        capacity = 1 << 16
        state = FramerState(
            buffer: .allocate(capacity: capacity), maximumRecordBytes: maximumRecordBytes,
            frames: .allocate(capacity: FramerState.checkedDepth + 1))
    }

    deinit {
        state.buffer.deallocate()
        state.frames.deallocate()
    }

    /// Bytes the framer's buffer can hold now (it grows only for a record in progress).
    public var bufferCapacity: Int { capacity }

    /// Bytes of the stream consumed so far (framed, rejected or skipped).
    public var consumedOffset: Int64 { state.bufferStart + Int64(state.scan) }

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

    /// True when everything written so far was framed: no partial record is pending.
    public var isAtRecordBoundary: Bool { state.mode == .between && state.scan == state.count }

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
        deliver(&handler)
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

    private func run<H: Handler>(final: Bool, _ handler: inout H) {
        while true {
            state.frame(final: final)
            deliver(&handler)
            guard state.leadingRecordPending else { return }
            state.leadingRecordPending = false
            let start = state.unitStart
            let available = min(state.count - start, state.maximumRecordBytes)
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
    private func deliver<H: Handler>(_ handler: inout H) {
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

/// The framer's scanning state and logic, kept in a struct of plain values so the per-byte loop
/// mutates it in place (no reference counting, no dynamic exclusivity checks).
struct FramerState {
    typealias Output = RecordFramer.Output
    typealias Container = RecordFramer.Container

    /// The structure is checked this deep; deeper brackets are only counted (the parser rejects them).
    static let checkedDepth = 1024

    enum Mode: UInt8 {
        /// Between top-level values.
        case between
        /// Inside a top-level line that is not a JSON container: a unit that ends with the line.
        case garbage
        /// Inside a top-level container.
        case value
        /// Dropping bytes up to the next newline after a broken record.
        case skipLine
        /// The document is broken; everything else is dropped.
        case dead
    }

    /// What a container expects next.
    enum Expect: UInt8 {
        case keyOrEnd, key, colon, value, valueOrEnd, commaOrEnd
    }

    enum UnitKind: UInt8 { case container, string, scalar, line }
    enum Capture: UInt8 { case none, key, messageType }

    // Buffer.
    var buffer: UnsafeMutablePointer<UInt8>
    var count = 0
    var scan = 0
    var bufferStart: Int64 = 0
    let maximumRecordBytes: Int
    var checkedByteOrderMark = false

    // Structure: per open container (up to checkedDepth), bit 0 = object, bits 1… = Expect.
    var frames: UnsafeMutablePointer<UInt8>
    var depth = 0
    var mode = Mode.between
    var inString = false
    var afterBackslash = false
    var inScalarToken = false
    var capture = Capture.none
    var captured: [UInt8] = []

    // The unit (record) being framed; unitStart < 0 when none (or when it grew too large).
    var unitStart = -1
    var unitActive = false
    var unitOffset: Int64 = 0
    var unitDepth = 0
    var unitKind = UnitKind.container
    var unitContainer = Container.topLevel
    var unitPrefix: [UInt8] = []

    // The top-level value being scanned.
    var topIsObject = false
    var topHasNewline = false
    /// Depth at which records are elements (1 in a bare array, 2 in a wrapper); 0 when none.
    var elementDepth = 0
    var wrapper: RecordFramer.WrapperKey?
    var lastKey: [UInt8] = []
    var messageType: [UInt8] = []

    /// nil until the first top-level value ends; true when it fit on one line.
    var linesMode: Bool?

    /// What the scan found, in order; records as buffer positions.
    enum Pending {
        case record(start: Int, end: Int, offset: Int64, container: Container)
        case problem(RecordFramer.Problem)
    }
    var outputs: [Pending] = []

    /// Set when the scan stopped at the first byte of an object record that the handler may
    /// decode in place (an element of a record array, or a line of established JSON Lines).
    var leadingRecordPending = false

    init(buffer: UnsafeMutablePointer<UInt8>, maximumRecordBytes: Int, frames: UnsafeMutablePointer<UInt8>) {
        self.buffer = buffer
        self.maximumRecordBytes = maximumRecordBytes
        self.frames = frames
    }

    // MARK: - Scanning

    mutating func frame(final: Bool) {
        if !checkedByteOrderMark {
            if count < 3 && !final { return }
            checkedByteOrderMark = true
            if count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { scan = 3 }
        }
        while scan < count {
            switch mode {
            case .value:
                if inString {
                    scanInString()
                } else if unitActive && depth > unitDepth && (unitContainer != .topLevel || linesMode != nil) {
                    scanInsideRecord()
                } else {
                    scanStructure()
                }
            case .between:
                scanBetween()
            case .garbage:
                if let newline = findNewline(from: scan) {
                    scan = newline
                    endUnit(at: newline)
                    scan = newline + 1
                    mode = .between
                } else {
                    scan = count
                }
            case .skipLine:
                if let newline = findNewline(from: scan) {
                    scan = newline + 1
                    mode = .between
                } else {
                    scan = count
                }
            case .dead:
                scan = count
            }
            if leadingRecordPending { return }
            if unitStart >= 0 && scan - unitStart > maximumRecordBytes { dropOversizedUnit() }
        }
    }

    /// The handler decoded the pending record of `length` bytes: continue after it.
    mutating func leadingRecordDecoded(length: Int) {
        unitActive = false
        unitStart = -1
        scan += length
        if unitDepth == 0 {
            mode = .between
        }
    }

    /// The handler left the pending record to the framer: scan it.
    mutating func leadingRecordDeclined() {
        if unitDepth == 0 {
            topIsObject = true
            topHasNewline = false
            elementDepth = 0
            wrapper = nil
            mode = .value
        }
        push(isObject: true)
        scan += 1
    }

    mutating func finish() {
        switch mode {
        case .garbage:
            endUnit(at: count)
        case .value:
            if unitActive {
                outputs.append(.problem(RecordFramer.Problem(
                    offset: unitOffset, reason: "truncated record: the input ends inside it", prefix: currentUnitPrefix())))
            } else {
                outputs.append(.problem(RecordFramer.Problem(
                    offset: bufferStart + Int64(scan), reason: "truncated input: it ends inside a JSON value", prefix: [])))
            }
        case .between, .skipLine, .dead:
            break
        }
        reset(to: .between)
        scan = count
    }

    /// Inside a record only strings, brackets and newlines matter for framing: the parser checks
    /// the rest. Skips ahead word by word; returns when the record ends or the buffer runs out.
    private mutating func scanInsideRecord() {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let raw = UnsafeRawPointer(buffer)
        while scan < count {
            // Find the next '"', '{', '}', '[', ']' or newline ('[' | 0x20 == '{', ']' | 0x20 == '}').
            var i = scan
            while i + 8 <= count {
                let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let folded = word | (ones &* 0x20)
                let mask = ByteScan.zeroBytes(word ^ (ones &* 0x22)) | ByteScan.zeroBytes(word ^ (ones &* 0x0A))
                    | ByteScan.zeroBytes(folded ^ (ones &* 0x7B)) | ByteScan.zeroBytes(folded ^ (ones &* 0x7D))
                if mask != 0 {
                    i += mask.trailingZeroBitCount / 8
                    break
                }
                i += 8
            }
            while i < count {
                let byte = buffer[i]
                if byte == 0x22 || byte == 0x0A || byte | 0x20 == 0x7B || byte | 0x20 == 0x7D { break }
                i += 1
            }
            scan = i
            guard scan < count else { return }
            switch buffer[scan] {
            case UInt8(ascii: "\""):
                // Skip the string; the loop in frame() takes over if it does not end in this buffer.
                inString = true
                scan += 1
                while true {
                    let stop = skipStringBody(from: scan)
                    if stop >= count {
                        scan = count
                        return
                    }
                    scan = stop
                    let byte = buffer[scan]
                    if byte == UInt8(ascii: "\\") {
                        if scan + 1 >= count {
                            afterBackslash = true
                            scan = count
                            return
                        }
                        scan += 2
                    } else if byte == UInt8(ascii: "\"") {
                        inString = false
                        scan += 1
                        break
                    } else {
                        broken("unterminated string: the line ends inside it")
                        return
                    }
                }
            case UInt8(ascii: "\n"):
                if linesMode == true {
                    broken("truncated record: the line ends inside a JSON value")
                    return
                }
                topHasNewline = true
                scan += 1
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                push(isObject: buffer[scan] == UInt8(ascii: "{"))
                scan += 1
            default:
                // '}' or ']'
                let isObject = buffer[scan] == UInt8(ascii: "}")
                if depth <= Self.checkedDepth && (frames[depth - 1] & 1 == 1) != isObject {
                    broken("mismatched brackets: '\(Character(Unicode.Scalar(buffer[scan])))' closes '\(isObject ? "[" : "{")'")
                    return
                }
                depth -= 1
                scan += 1
                if depth == unitDepth {
                    endUnit(at: scan)
                    if depth == 0 {
                        if linesMode == nil { linesMode = !topHasNewline }
                        mode = .between
                    }
                    return
                }
            }
            if unitStart >= 0 && scan - unitStart > maximumRecordBytes { dropOversizedUnit() }
        }
    }

    private mutating func scanBetween() {
        let byte = buffer[scan]
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"), UInt8(ascii: ","):
            scan += 1  // commas between top-level values are tolerated
        case UInt8(ascii: "{") where linesMode == true:
            // Established JSON Lines: let the handler decode the line's record in place.
            beginUnit(depth: 0, kind: .container, container: .topLevel)
            leadingRecordPending = true
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let isObject = byte == UInt8(ascii: "{")
            topIsObject = isObject
            topHasNewline = false
            elementDepth = isObject ? 0 : 1
            wrapper = nil
            lastKey.removeAll(keepingCapacity: true)
            messageType.removeAll(keepingCapacity: true)
            if isObject { beginUnit(depth: 0, kind: .container, container: .topLevel) }
            mode = .value
            push(isObject: isObject)
            scan += 1
        default:
            // Not a container: the rest of the line is one (bad) record.
            beginUnit(depth: 0, kind: .line, container: .topLevel)
            mode = .garbage
        }
    }

    @inline(__always)
    private mutating func scanInString() {
        if afterBackslash {
            afterBackslash = false
            if capture != .none { appendCaptured(buffer[scan]) }
            scan += 1
            return
        }
        let stop = capture == .none ? skipStringBody(from: scan) : scan
        if stop >= count {
            scan = count
            return
        }
        scan = stop
        let byte = buffer[scan]
        switch byte {
        case UInt8(ascii: "\""):
            inString = false
            scan += 1
            stringEnded()
        case UInt8(ascii: "\\"):
            afterBackslash = true
            if capture != .none { appendCaptured(byte) }
            scan += 1
        case UInt8(ascii: "\n"):
            broken("unterminated string: the line ends inside it")
        default:
            appendCaptured(byte)
            scan += 1
        }
    }

    private mutating func appendCaptured(_ byte: UInt8) {
        if captured.count < 32 { captured.append(byte) }
    }

    private mutating func stringEnded() {
        switch capture {
        case .key: lastKey = captured
        case .messageType: messageType = captured
        case .none: break
        }
        capture = .none
        if depth <= Self.checkedDepth {
            let expect = topExpect
            setTopExpect(expect == .key || expect == .keyOrEnd ? .colon : .commaOrEnd)
        }
        if unitActive && unitKind == .string && unitDepth == depth {
            endUnit(at: scan)
        }
    }

    @inline(__always)
    private mutating func scanStructure() {
        let byte = buffer[scan]
        let checked = depth <= Self.checkedDepth
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
            if inScalarToken { endScalar() }
            scan += 1
        case UInt8(ascii: "\n"):
            if linesMode == true {
                broken("truncated record: the line ends inside a JSON value")
                return
            }
            topHasNewline = true
            if inScalarToken { endScalar() }
            scan += 1
        case UInt8(ascii: "\""):
            inScalarToken = false
            var isKey = false
            if checked {
                switch topExpect {
                case .key, .keyOrEnd: isKey = true
                case .value, .valueOrEnd: break
                default:
                    broken("unexpected '\"' where \(expectation) was expected")
                    return
                }
            }
            if depth == 1 && topIsObject {
                if isKey {
                    capture = .key
                    captured.removeAll(keepingCapacity: true)
                } else if lastKey == Self.messageTypeKey {
                    capture = .messageType
                    captured.removeAll(keepingCapacity: true)
                }
            }
            if !isKey { beginElement(kind: .string) }
            inString = true
            scan += 1
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            inScalarToken = false
            if checked {
                let expect = topExpect
                guard expect == .value || expect == .valueOrEnd else {
                    broken("unexpected '\(Character(Unicode.Scalar(byte)))' where \(expectation) was expected")
                    return
                }
                setTopExpect(.commaOrEnd)
            }
            if depth == 1 && byte == UInt8(ascii: "[") && topIsObject && wrapper == nil,
               let key = Self.wrapperKey(lastKey) {
                // The record array of a wrapper object: frame its elements, not the object.
                wrapper = key
                elementDepth = 2
                unitActive = false
                unitStart = -1
            } else {
                beginElement(kind: .container)
                if byte == UInt8(ascii: "{") && unitActive && unitStart == scan && unitDepth == depth {
                    leadingRecordPending = true  // the handler may decode it in place
                    return
                }
            }
            push(isObject: byte == UInt8(ascii: "{"))
            scan += 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            let isObject = byte == UInt8(ascii: "}")
            if checked {
                let frame = frames[depth - 1]
                let frameIsObject = frame & 1 == 1
                let expect = Expect(rawValue: frame >> 1)!
                let canEnd = frameIsObject
                    ? (expect == .keyOrEnd || expect == .commaOrEnd)
                    : (expect == .valueOrEnd || expect == .commaOrEnd)
                guard frameIsObject == isObject, canEnd else {
                    let reason = frameIsObject != isObject
                        ? "mismatched brackets: '\(Character(Unicode.Scalar(byte)))' closes '\(frameIsObject ? "{" : "[")'"
                        : "unexpected '\(Character(Unicode.Scalar(byte)))' where \(expectation) was expected"
                    broken(reason)
                    return
                }
            }
            if inScalarToken { endScalar() }
            depth -= 1
            scan += 1
            if wrapper != nil && depth < elementDepth {
                elementDepth = 0  // the wrapper's array closed; members after it are metadata
            }
            if unitActive && unitKind == .container && unitDepth == depth {
                endUnit(at: scan)
            }
            if depth == 0 {
                if linesMode == nil { linesMode = !topHasNewline }
                mode = .between
            }
        case UInt8(ascii: ","):
            inScalarToken = false
            if checked {
                guard topExpect == .commaOrEnd else {
                    broken("unexpected ',' where \(expectation) was expected")
                    return
                }
                setTopExpect(frames[depth - 1] & 1 == 1 ? .key : .value)
            }
            if unitActive && unitKind == .scalar && unitDepth == depth { endUnit(at: scan) }
            scan += 1
        case UInt8(ascii: ":"):
            inScalarToken = false
            if checked {
                guard topExpect == .colon else {
                    broken("unexpected ':' where \(expectation) was expected")
                    return
                }
                setTopExpect(.value)
            }
            scan += 1
        default:
            // A number or a literal; the parser checks its spelling.
            if !inScalarToken {
                if checked {
                    let expect = topExpect
                    guard expect == .value || expect == .valueOrEnd else {
                        broken("unexpected \(JSONError.describe(byte)) where \(expectation) was expected")
                        return
                    }
                    setTopExpect(.commaOrEnd)
                }
                inScalarToken = true
                beginElement(kind: .scalar)
            }
            scan += 1
        }
    }

    private static let messageTypeKey = Array("messageType".utf8)
    private static let controlMessageValue = Array("CONTROL_MESSAGE".utf8)

    private static func wrapperKey(_ key: [UInt8]) -> RecordFramer.WrapperKey? {
        switch key.count {
        case 7: return RecordFramer.WrapperKey(rawValue: String(decoding: key, as: UTF8.self))
        case 9: return key == Array("logEvents".utf8) ? .logEvents : nil
        default: return nil
        }
    }

    @inline(__always)
    private var topExpect: Expect {
        Expect(rawValue: frames[depth - 1] >> 1)!
    }

    @inline(__always)
    private mutating func setTopExpect(_ expect: Expect) {
        frames[depth - 1] = frames[depth - 1] & 1 | expect.rawValue << 1
    }

    private var expectation: String {
        guard depth > 0, depth <= Self.checkedDepth else { return "a value" }
        switch topExpect {
        case .keyOrEnd: return "a key or '}'"
        case .key: return "a key"
        case .colon: return "':'"
        case .value: return "a value"
        case .valueOrEnd: return "a value or ']'"
        case .commaOrEnd: return frames[depth - 1] & 1 == 1 ? "',' or '}'" : "',' or ']'"
        }
    }

    @inline(__always)
    private mutating func push(isObject: Bool) {
        if depth < Self.checkedDepth {
            frames[depth] = (isObject ? 1 : 0) | (isObject ? Expect.keyOrEnd : Expect.valueOrEnd).rawValue << 1
        }
        depth += 1
    }

    private mutating func beginUnit(depth unitDepth: Int, kind: UnitKind, container: Container) {
        unitActive = true
        unitStart = scan
        unitOffset = bufferStart + Int64(scan)
        self.unitDepth = unitDepth
        unitKind = kind
        unitContainer = container
    }

    /// Starts a unit when a value begins where records are elements.
    @inline(__always)
    private mutating func beginElement(kind: UnitKind) {
        guard !unitActive, elementDepth != 0, depth == elementDepth else { return }
        let container: Container = wrapper.map {
            .wrapper($0, controlMessage: messageType == Self.controlMessageValue)
        } ?? .array
        beginUnit(depth: depth, kind: kind, container: container)
    }

    private mutating func endScalar() {
        inScalarToken = false
        if unitActive && unitKind == .scalar && unitDepth == depth {
            endUnit(at: scan)
        }
    }

    /// The unit ends just before `end`: hand it over, or report it if it was too large.
    private mutating func endUnit(at end: Int) {
        guard unitActive else { return }
        unitActive = false
        if unitStart >= 0 {
            let start = unitStart
            unitStart = -1
            outputs.append(.record(start: start, end: end, offset: unitOffset, container: unitContainer))
        } else {
            outputs.append(.problem(RecordFramer.Problem(
                offset: unitOffset,
                reason: "record larger than the \(maximumRecordBytes)-byte limit; skipped",
                prefix: unitPrefix)))
            unitPrefix = []
        }
    }

    /// Stops keeping a unit's bytes once it is larger than the limit; it is reported when it ends.
    private mutating func dropOversizedUnit() {
        unitPrefix = Array(UnsafeBufferPointer(start: buffer + unitStart, count: min(RecordFramer.problemPrefixBytes, count - unitStart)))
        unitStart = -1
    }

    private func currentUnitPrefix() -> [UInt8] {
        guard unitStart >= 0 else { return unitPrefix }
        return Array(UnsafeBufferPointer(start: buffer + unitStart, count: min(RecordFramer.problemPrefixBytes, count - unitStart)))
    }

    /// The structure is broken at `scan`. In line-oriented input, report the record and resume
    /// at the next line; in a multi-line document, report the rest of the input once.
    private mutating func broken(_ reason: String) {
        let offset = unitActive ? unitOffset : bufferStart + Int64(scan)
        let prefix = unitActive ? currentUnitPrefix() : []
        // A multi-line document (pretty-printed, or a record array spanning lines) cannot be
        // resynchronized; a multi-line first value that is a single record can (truncated JSON Lines).
        let insideRecordArray = elementDepth != 0 || wrapper != nil
        if linesMode == false || (linesMode == nil && topHasNewline && insideRecordArray) {
            outputs.append(.problem(RecordFramer.Problem(
                offset: offset,
                reason: "malformed JSON at byte \(bufferStart + Int64(scan)): \(reason); the rest of the input cannot be framed",
                prefix: prefix)))
            reset(to: .dead)
            scan = count
            return
        }
        outputs.append(.problem(RecordFramer.Problem(offset: offset, reason: reason, prefix: prefix)))
        // Resume at the line after the broken record's first line if that is behind us (a first
        // value that spanned lines), else after the current line.
        var resume: Int?
        if unitActive, unitStart >= 0, let newline = findNewline(from: unitStart), newline < scan {
            resume = newline + 1
        }
        let onNewline = buffer[scan] == UInt8(ascii: "\n")
        reset(to: .skipLine)
        linesMode = true
        if let resume {
            scan = resume
            mode = .between
        } else if onNewline {
            scan += 1
            mode = .between
        }
    }

    private mutating func reset(to newMode: Mode) {
        mode = newMode
        depth = 0
        inString = false
        afterBackslash = false
        inScalarToken = false
        capture = .none
        unitActive = false
        unitStart = -1
        unitPrefix = []
        elementDepth = 0
        wrapper = nil
        topIsObject = false
        topHasNewline = false
    }

    /// Skips string bytes that need no attention; returns the offset of the next `"`, `\` or newline.
    @inline(__always)
    private func skipStringBody(from start: Int) -> Int {
        var i = start
        let raw = UnsafeRawPointer(buffer)
        let ones: UInt64 = 0x0101_0101_0101_0101
        while i + 8 <= count {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let mask = ByteScan.zeroBytes(word ^ (ones &* 0x22))
                | ByteScan.zeroBytes(word ^ (ones &* 0x5C))
                | ByteScan.zeroBytes(word ^ (ones &* 0x0A))
            if mask != 0 { return i + mask.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < count {
            let byte = buffer[i]
            if byte == 0x22 || byte == 0x5C || byte == 0x0A { return i }
            i += 1
        }
        return count
    }

    private func findNewline(from start: Int) -> Int? {
        guard start < count else { return nil }
        guard let found = memchr(buffer + start, 0x0A, count - start) else { return nil }
        return UnsafeMutableRawPointer(found) - UnsafeMutableRawPointer(buffer)
    }
}
