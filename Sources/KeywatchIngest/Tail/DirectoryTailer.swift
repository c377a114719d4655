import Foundation
import KeywatchCore
import KeywatchStore
import Logging

/// A directory to tail, and which files in it (relative paths) are logs.
public struct TailSource: Sendable, Equatable {
    public var path: String
    /// Files matching any pattern are read; none means every file (non-JSON files are skipped by content).
    public var include: [PathGlob]

    public init(path: String, include: [PathGlob] = []) {
        self.path = path
        self.include = include
    }

    func includes(_ relativePath: String) -> Bool {
        include.isEmpty || include.contains { $0.matches(relativePath) }
    }
}

/// How the tailer paces itself.
public struct TailOptions: Sendable {
    /// The longest wait between looks at the files when inotify says nothing.
    public var pollInterval: TimeInterval = 0.25
    /// Directories are walked again this often (inotify may miss a tree past its watch limit).
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
    private var batch = EventBatch()
    private var lastScan = Date.distantPast
    private var scannedOnce = false
    private var reported: Set<String> = []

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
            let wake = watcher.wait(timeout: behind ? 0 : options.pollInterval)
            do {
                behind = try pass(rescan: wake.structural)
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

    /// One look at everything: the tree when due, then every file's new bytes; the batch goes
    /// to the writer at the end. Returns whether a file has more to read at once.
    /// - Throws: ``StoreWriter`` stopped: there is nowhere to hand events.
    @discardableResult
    public func pass(rescan: Bool = false) throws -> Bool {
        decoder.eventTimes = .fromWallClock()
        if rescan || !scannedOnce || Date().timeIntervalSince(lastScan) >= options.rescanInterval {
            try scan()
        }
        var behind = false
        for key in order {
            guard let file = tracked[key] else { continue }
            do {
                behind = try file.read(into: &batch, decoder: decoder, files: files, options: options, checkpoint: handOffIfFull) || behind
            } catch let error as FileReadError {
                report(error)
            }
        }
        closeIdleFiles()
        try handOff(&batch)
        var bytesBehind: Int64 = 0
        for file in tracked.values where file.kind == .plain && !file.record.complete {
            bytesBehind += max(0, file.sizeSeen - file.readOffset)
        }
        metrics.setTailing(files: tracked.count, bytesBehind: bytesBehind)
        return behind
    }

    // MARK: - Discovery

    private func scan() throws {
        lastScan = Date()
        var visited = Set<FileKey>()
        var seen = Set<FileKey>()
        var found: [(path: String, status: FileStatus)] = []
        for source in sources {
            walk(source.path, relative: "", visited: &visited) { path, relative, status in
                guard source.includes(relative) else { return }
                seen.insert(status.identity)
                if let file = tracked[status.identity] {
                    if file.record.path != path { file.moved(to: path) }
                } else {
                    found.append((path, status))
                }
            }
        }
        let newPaths = InputFiles.inTimeOrder(found.map(\.path))
        let statuses = Dictionary(found.map { ($0.path, $0.status) }, uniquingKeysWith: { first, _ in first })
        for path in newPaths {
            guard let status = statuses[path], tracked[status.identity] == nil else { continue }
            let file: TailedFile
            if var known = unclaimed.removeValue(forKey: status.identity) {
                known.path = path
                file = TailedFile(record: known)
                file.verifyResumption()
            } else {
                file = TailedFile(id: nextID, path: path, status: status)
                nextID += 1
            }
            tracked[status.identity] = file
            order.append(status.identity)
        }
        // Files that left the tree: what they hold is read, then they are forgotten.
        for key in order where !seen.contains(key) {
            guard let file = tracked.removeValue(forKey: key) else { continue }
            do {
                try file.readToEnd(into: &batch, decoder: decoder, files: files, options: options, checkpoint: handOffIfFull)
            } catch let error as FileReadError {
                report(error)
            }
            file.close()
            forgotten.append(file.record.id)
        }
        order.removeAll { tracked[$0] == nil }
        if !scannedOnce {
            // Records of files no longer anywhere.
            forgotten += unclaimed.values.map(\.id)
            unclaimed.removeAll()
            scannedOnce = true
        }
    }

    /// Calls `body` for every regular file under `directory`, following links, once per inode.
    private func walk(_ directory: String, relative: String, visited: inout Set<FileKey>,
                      _ body: (String, String, FileStatus) -> Void) {
        guard let handle = opendir(directory) else {
            if relative.isEmpty { report(FileReadError(path: directory, reason: String(cString: strerror(errno)))) }
            return
        }
        defer { closedir(handle) }
        watcher.watch(directory)
        var entries: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { entries.append(name) }
        }
        for name in entries.sorted() {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            let relativePath = relative.isEmpty ? name : relative + "/" + name
            guard let status = FileStatus(path: path), !visited.contains(status.identity) else { continue }
            visited.insert(status.identity)
            if status.isDirectory {
                walk(path, relative: relativePath, visited: &visited, body)
            } else if status.isRegularFile {
                body(path, relativePath, status)
            }
        }
    }

    // MARK: - Hand-off

    private func handOffIfFull(_ batch: inout EventBatch) throws {
        if batch.rows.count >= options.batchEvents || batch.raw.count >= 12 << 20 { try handOff(&batch) }
    }

    /// Sends the batch with the records of the files it advanced; a pass with no events but
    /// changed records (a file ignored, forgotten, renamed) sends them alone.
    private func handOff(_ batch: inout EventBatch) throws {
        var changes: [TailedFileChange] = []
        for key in order { if let file = tracked[key], file.dirty { changes.append(.save(file.checkpoint())) } }
        changes += forgotten.map { .forget(id: $0) }
        guard !batch.isEmpty || !changes.isEmpty else { return }
        forgotten.removeAll()
        let request = WriteRequest(batch: batch, files: changes)
        batch = EventBatch()
        guard writer.submit(request) else { throw StoreError.corrupt("the writer stopped") }
    }

    /// Keeps at most ``TailOptions/maximumOpenFiles`` descriptors: the files grown least recently close first.
    private func closeIdleFiles() {
        let open = tracked.values.filter(\.isOpen)
        guard open.count > options.maximumOpenFiles else { return }
        for file in open.sorted(by: { $0.lastGrowth < $1.lastGrowth }).prefix(open.count - options.maximumOpenFiles) {
            file.close()
        }
    }

    /// Logs a file problem once per path and reason.
    private func report(_ error: FileReadError) {
        guard reported.insert(error.description).inserted else { return }
        logger.warning("cannot read a tailed file", metadata: ["path": "\(error.path)", "error": "\(error.reason)"])
    }
}
