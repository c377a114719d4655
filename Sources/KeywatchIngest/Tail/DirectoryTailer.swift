import Foundation
import KeywatchCore
import KeywatchStore
import Logging

/// A directory to tail, and which files in it (relative paths) are logs.
public struct TailSource: Sendable, Equatable {
    public var path: String
    /// The input it is to detection's watermarks (``InputWatermarks``): `tail:` and its path.
    public var inputName: String { "tail:" + path }
    /// Files matching any pattern are read; none means every file (non-JSON files are skipped by content).
    public var include: [PathGlob]
    /// Whether links under ``path`` are followed — only ever to files and directories below its real path.
    public var followLinks: Bool

    public init(path: String, include: [PathGlob] = [], followLinks: Bool = false) {
        self.path = path
        self.include = include
        self.followLinks = followLinks
    }

    func includes(_ relativePath: String) -> Bool {
        include.isEmpty || include.contains { $0.matches(relativePath) }
    }
}

/// How the tailer paces itself.
public struct TailOptions: Sendable {
    /// The longest wait between looks at the files inotify does not watch (a `stat` each; a file
    /// is opened only when that changed).
    public var pollInterval: TimeInterval = 0.25
    /// Directories are walked again this often (inotify may miss a tree past its watch limit), and
    /// every file whose status changed, or that could not be read, is looked at.
    public var rescanInterval: TimeInterval = 10
    /// A gzip file untouched this long is read even if its trailer is missing (its tail is rejected).
    public var settleSeconds: TimeInterval = 60
    /// A batch goes to the writer at this many events (or at the end of a pass).
    public var batchEvents = 8192
    /// One file is read at most this much per pass, so one busy file does not starve the rest.
    public var readBudget = 16 << 20
    public var chunkBytes = 1 << 20
    /// Descriptors kept open for plain files (the least recently grown are closed first).
    public var maximumOpenFiles = 512
    public var decoder = RecordDecoder.Options()

    public init() {}
}

/// Follows the files of the tailed directories and hands their events to the writer, with the
/// offsets they reach, on a thread of its own.
///
/// Files are known by device and inode (verified by a fingerprint of their head and a hash of
/// the bytes before the saved offset), not by path: a file renamed by rotation keeps its offset;
/// a new file at the old path is read from its start; a truncated file starts over; a file that
/// leaves the tree is read to its end, then forgotten.
///
/// A quiet file costs nothing: between rescans a file is looked at only when inotify names it,
/// or — where inotify does not vouch for its directory — when a `stat` shows it changed.
public final class DirectoryTailer: @unchecked Sendable {
    private let sources: [TailSource]
    private let writer: StoreWriter
    private let metrics: DaemonMetrics
    private let options: TailOptions
    private let logger: Logger
    private let decoder: RecordDecoder
    private let files: FileDecoder
    private let watcher: DirectoryWatcher

    private var tracked: [FileKey: TailedFile] = [:]
    /// Tracked files in the order they are read: discovery order, new files by the time their paths name.
    private var order: [FileKey] = []
    /// Records of an earlier run not yet matched to a file on disk.
    private var unclaimed: [FileKey: TailedFileRecord]
    private var forgotten: [Int64] = []
    private var nextID: Int64
    /// Files whose last read stopped at the budget: read again at the next pass.
    private var pending: Set<FileKey> = []
    private var batch = EventBatch()
    private var lastScan = Date.distantPast
    private var scannedOnce = false
    private var problems: TailProblems
    /// The input each root is to detection (``TailSource/inputName``), in the sources' order.
    private let inputs: [String]
    /// The newest event time read from each root into the batch being filled.
    private var newestByRoot: [Int: Timestamp] = [:]
    /// The root of the file being read, and where its rows start in the batch.
    private var fileBeingRead: (root: Int, firstRow: Int)?
    /// Whether each root had nothing more to read, as last told the writer.
    private var toldCaughtUp: [Bool]

    private let condition = NSCondition()
    private var stopping = false
    private var stopped = false

    /// - Parameter records: what the store knows of the files tailed before.
    public init(sources: [TailSource], records: [TailedFileRecord], writer: StoreWriter, metrics: DaemonMetrics,
                options: TailOptions = TailOptions(), logger: Logger) {
        self.sources = sources
        self.writer = writer
        self.metrics = metrics
        self.options = options
        self.logger = logger
        decoder = RecordDecoder.forIngest(options: options.decoder)
        files = FileDecoder(recordDecoder: decoder, chunkSize: options.chunkBytes)
        watcher = DirectoryWatcher(logger: logger)
        problems = TailProblems(logger: logger)
        inputs = sources.map(\.inputName)
        toldCaughtUp = sources.map { _ in false }
        unclaimed = Dictionary(records.map { (FileKey(device: $0.device, inode: $0.inode), $0) }, uniquingKeysWith: { first, _ in first })
        nextID = (records.map(\.id).max() ?? 0) + 1
    }

    /// Starts tailing on a thread of its own.
    public func start() {
        let thread = Thread { [self] in
            ThreadName.set("keywatch-tail")
            run()
        }
        thread.name = "keywatch-tail"
        thread.start()
    }

    /// Finishes the pass under way, hands its batch to the writer, and returns when the thread is done.
    public func stop() {
        condition.lock()
        stopping = true
        while !stopped { condition.wait() }
        condition.unlock()
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    private func run() {
        var behind = false
        while !isStopping {
            do {
                behind = try step(timeout: behind ? 0 : options.pollInterval)
            } catch {
                logger.error("tailing stopped", metadata: ["error": "\(error)"])
                break
            }
        }
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits up to `timeout` seconds for inotify to say something changed, then makes a pass over
    /// what it names (and the files it does not watch). Returns whether a file has more to read at once.
    func step(timeout: TimeInterval) throws -> Bool {
        let wake = watcher.wait(timeout: timeout)
        return try pass(rescan: wake.structural, changed: wake.overflowed ? nil : wake.paths)
    }

    /// One look at the files: the tree when due, then the new bytes of every file that may have
    /// some; the batch goes to the writer at the end. Returns whether a file has more to read at once.
    /// - Throws: ``StoreWriter`` stopped: there is nowhere to hand events.
    @discardableResult
    public func pass(rescan: Bool = false) throws -> Bool {
        try pass(rescan: rescan, changed: nil)
    }

    /// - Parameter changed: the paths inotify saw change since the last pass; files it watches
    ///   and does not name are not looked at. Nil: every file is checked with a `stat`.
    func pass(rescan: Bool, changed: Set<String>?) throws -> Bool {
        decoder.eventTimes = EventTimeBounds(now: .now)
        var walked: [FileKey: FileStatus]?
        if rescan || !scannedOnce || Date().timeIntervalSince(lastScan) >= options.rescanInterval {
            walked = try scan()
        }
        var behind = false
        var looked = false
        for key in order {
            guard let file = tracked[key], mustLook(at: file, walked: walked, changed: changed) else { continue }
            looked = true
            do {
                let more = try reading(file) {
                    try file.read(into: &batch, decoder: decoder, files: files, options: options, checkpoint: handOffIfFull)
                }
                if more { pending.insert(key) } else { pending.remove(key) }
                behind = behind || more
                if !file.foundReplaced { problems.readable(key, path: file.record.path) }
            } catch let error as FileReadError {
                problems.unreadable(key, path: file.record.path, reason: error.reason)
            }
        }
        guard looked || walked != nil else { return behind }
        closeIdleFiles()
        try handOff(&batch, endOfPass: true)
        var bytesBehind: Int64 = 0
        for file in tracked.values where file.kind == .plain && !file.record.complete {
            bytesBehind += max(0, file.sizeSeen - file.readOffset)
        }
        metrics.setTailing(files: tracked.count, bytesBehind: bytesBehind, unreadableFiles: problems.unreadableFiles.count,
                           unreadableDirectories: problems.unreadableDirectories,
                           skipped: Dictionary(uniqueKeysWithValues: problems.skipped.map { ($0.key.rawValue, $0.value) }))
        return behind
    }

    /// Whether `file` may have something to read. Just after a scan, the status the walk found
    /// tells (a file that could not be read is tried again); between scans, inotify tells for the
    /// files it watches, and a `stat` for the others.
    private func mustLook(at file: TailedFile, walked: [FileKey: FileStatus]?, changed: Set<String>?) -> Bool {
        if file.caughtUpAt == nil || pending.contains(file.key) { return true }
        if let walked {
            if problems.unreadableFiles[file.key] != nil { return true }
            return walked[file.key].map { !file.isCaughtUp(at: $0) } ?? true
        }
        if let changed, file.watched { return changed.contains(file.record.path) }
        return file.mayHaveChanged()
    }

    // MARK: - Discovery

    /// Walks every root: new files are tracked, moved ones followed, those gone read to their end
    /// and forgotten. Returns the status the walk found for each file tracked.
    private func scan() throws -> [FileKey: FileStatus] {
        lastScan = Date()
        problems.scanning()
        var visited = Set<FileKey>()
        var seen: [FileKey: FileStatus] = [:]
        var found: [String: (TailTree.File, root: Int)] = [:]
        for (root, source) in sources.enumerated() {
            TailTree(source: source, watch: watcher.watch(_:identity:)).walk(visited: &visited) { entry in
                switch entry {
                case .file(let entry):
                    // A file with several names included is tailed under the first.
                    guard source.includes(entry.relativePath), seen[entry.status.identity] == nil else { return }
                    seen[entry.status.identity] = entry.status
                    if let file = tracked[entry.status.identity] {
                        if file.record.path != entry.path { file.moved(to: entry.path) }
                        place(file, entry, root: root)
                    } else {
                        found[entry.path] = (entry, root)
                    }
                case .skipped(let path, let relativePath, let why):
                    // Links are reported whatever their names: one to a directory may hold logs.
                    if why != .notRegular || source.includes(relativePath) { problems.skipped(path, why) }
                case .unreadable(let path, let reason):
                    problems.unreadableDirectory(path, reason: reason)
                }
            }
        }
        problems.scanned()
        for path in InputFiles.inTimeOrder(Array(found.keys)) {
            guard let (entry, root) = found[path], tracked[entry.status.identity] == nil else { continue }
            let file: TailedFile
            if var known = unclaimed.removeValue(forKey: entry.status.identity) {
                known.path = path
                file = TailedFile(record: known)
            } else {
                file = TailedFile(id: nextID, path: path, status: entry.status)
                nextID += 1
            }
            place(file, entry, root: root)
            tracked[entry.status.identity] = file
            order.append(entry.status.identity)
        }
        // Files that left the tree: what they hold is read, then they are forgotten.
        for key in order where seen[key] == nil {
            guard let file = tracked.removeValue(forKey: key) else { continue }
            do {
                try reading(file) {
                    try file.readToEnd(into: &batch, decoder: decoder, files: files, options: options, checkpoint: handOffIfFull)
                }
            } catch let error as FileReadError {
                problems.unreadable(key, path: file.record.path, reason: error.reason)
            }
            file.close()
            pending.remove(key)
            problems.forget(key)
            forgotten.append(file.record.id)
        }
        order.removeAll { tracked[$0] == nil }
        if !scannedOnce {
            // Records of files no longer anywhere.
            forgotten += unclaimed.values.map(\.id)
            unclaimed.removeAll()
            scannedOnce = true
        }
        return seen
    }

    /// Records how the walk reached `file`: under which root, through a link or not, in a
    /// directory inotify vouches for or not.
    private func place(_ file: TailedFile, _ entry: TailTree.File, root: Int) {
        file.root = root
        file.throughLink = entry.throughLink
        file.watched = !entry.throughLink && watcher.vouches(for: entry.directory)
    }

    // MARK: - Hand-off

    private func handOffIfFull(_ batch: inout EventBatch) throws {
        if batch.rows.count >= options.batchEvents || batch.raw.count >= 12 << 20 { try handOff(&batch, endOfPass: false) }
    }

    /// Reads `file` into the batch with `body`, noting the newest event time its rows bring its root.
    private func reading<Result>(_ file: TailedFile, _ body: () throws -> Result) throws -> Result {
        fileBeingRead = (file.root, batch.rows.count)
        defer {
            noteNewest(in: batch)
            fileBeingRead = nil
        }
        return try body()
    }

    /// Notes the newest event time among the rows read from the current file since the last note.
    private func noteNewest(in batch: EventBatch) {
        guard let (root, firstRow) = fileBeingRead, firstRow < batch.rows.count else { return }
        if let newest = batch.newestEventTime(rows: firstRow..<batch.rows.count, at: .now) {
            newestByRoot[root] = max(newestByRoot[root] ?? newest, newest)
        }
        fileBeingRead = (root, batch.rows.count)
    }

    /// Sends the batch with the records of the files it advanced and how far each root has come;
    /// a pass with no events but changed records (a file ignored, forgotten, renamed), or a root
    /// that has just caught up or fallen behind, sends them alone.
    /// - Parameter endOfPass: every file of a root without pending reads is read to its end: the
    ///   root is caught up. Within a pass, every root is behind.
    private func handOff(_ batch: inout EventBatch, endOfPass: Bool) throws {
        noteNewest(in: batch)
        var changes: [TailedFileChange] = []
        for key in order { if let file = tracked[key], file.dirty { changes.append(.save(file.checkpoint())) } }
        changes += forgotten.map { .forget(id: $0) }
        var caughtUp = inputs.map { _ in endOfPass && scannedOnce }
        if endOfPass { for key in pending { if let root = tracked[key]?.root { caughtUp[root] = false } } }
        guard !batch.isEmpty || !changes.isEmpty || caughtUp != toldCaughtUp else { return }
        forgotten.removeAll()
        let reports = inputs.indices.map { InputReport(input: inputs[$0], newest: newestByRoot[$0], caughtUp: caughtUp[$0]) }
        let request = WriteRequest(batch: batch, files: changes, inputs: reports)
        batch = EventBatch()
        newestByRoot = [:]
        if let (root, _) = fileBeingRead { fileBeingRead = (root, 0) }
        toldCaughtUp = caughtUp
        guard writer.submit(request) else { throw writer.failure ?? StoreError.corrupt("the writer stopped") }
    }

    /// Keeps at most ``TailOptions/maximumOpenFiles`` descriptors: the files grown least recently close first.
    private func closeIdleFiles() {
        let open = tracked.values.filter(\.isOpen)
        guard open.count > options.maximumOpenFiles else { return }
        for file in open.sorted(by: { $0.lastGrowth < $1.lastGrowth }).prefix(open.count - options.maximumOpenFiles) {
            file.close()
        }
    }
}
