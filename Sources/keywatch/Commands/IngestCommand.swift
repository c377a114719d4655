import ArgumentParser
import KeywatchCore
import KeywatchIngest
import KeywatchStore

/// `keywatch ingest PATH...`: a one-shot backfill of files and directories, and of S3 prefixes.
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Store the events of log files and directories (recursively), or of S3 prefixes; plain or gzip, any input shape.",
        discussion: """
            s3://bucket/prefix reads every object under the prefix in key order (CloudTrail digest files left out), \
            after the local files; credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, \
            AWS_SESSION_TOKEN) or a profile of the shared files (AWS_PROFILE), never from the command line. \
            Exit status: 0 when every record was parsed, 1 when some were rejected (the first few are named on stderr; `keywatch rejects` shows them all), \
            2 on usage or I/O errors.
            """
    )

    @Argument(help: "Files and directories to read, or s3://bucket/prefix.")
    var paths: [String]

    @Option(help: "With s3://: the bucket's AWS region. Default: $AWS_REGION, else us-east-1.")
    var region: String?

    @Option(help: "With s3://: an S3-compatible endpoint (http://127.0.0.1:5000 for moto or MinIO). Default: $AWS_ENDPOINT_URL_S3, else AWS.")
    var endpoint: String?

    @Option(help: "The store (a SQLite file, created if missing).")
    var db = "keywatch.db"

    @Option(help: "The rules directory; its identities.yaml maps principals and resources to namespaces.")
    var rules = "rules"

    @Flag(help: "Decode and normalize only; store nothing.")
    var dryRun = false

    @Flag(help: "Store events without running detection (the next ingest that detects covers them).")
    var noDetect = false

    @Option(help: "How to print the alerts raised: text or json (one alert object per line).")
    var format: AlertFormat = .text

    @Option(help: "Detection keeps at most this many live groups over all rules; events of new groups beyond it are not counted, and reported.")
    var maxGroups = DetectionLimits().maximumGroups

    func validate() throws {
        if maxGroups < 1 { throw ValidationError("--max-groups must be at least 1") }
    }

    func run() throws {
        let sources: [BackfillSource]
        do {
            let locations = try paths.filter { $0.hasPrefix("s3://") }.map { url in
                guard let location = S3Location(url: url) else { throw ValidationError("'\(url)' is not s3://bucket/prefix with a valid bucket name") }
                return location
            }
            sources = try InputFiles.expand(paths.filter { !$0.hasPrefix("s3://") }).map(BackfillSource.file)
                + (locations.isEmpty ? [] : S3Listing.sources(under: locations, region: region, endpoint: endpoint))
        } catch let error as ValidationError {
            throw error
        } catch {
            Standard.error("keywatch ingest: \(error)")
            throw ExitCode(2)
        }
        let identities: IdentityMap
        var ruleSet: [Rule] = []
        do {
            if noDetect || dryRun {
                identities = try RuleDirectory.identities(in: rules)
            } else {
                let directory = try RuleDirectory.load(rules)
                identities = directory.identities
                ruleSet = directory.rules
            }
        } catch let error as ConfigurationProblems {
            // Each problem on its own line, as run prints them.
            RunCommand.report(error.problems, command: "ingest")
            throw ExitCode(2)
        } catch {
            Standard.error("keywatch ingest: \(error)")
            throw ExitCode(2)
        }
        let store: EventStore?
        do {
            var options = StoreOptions(backgroundCheckpoints: true)
            options.onUpgrade = { [db] from, to in
                Standard.error("keywatch ingest: upgrading \(db) from schema \(from) to \(to); rebuilding indexes may take minutes on a large store")
            }
            store = dryRun ? nil : try EventStore(path: db, options: options)
        } catch {
            Standard.error("keywatch ingest: cannot open the store \(db): \(error)")
            throw ExitCode(2)
        }
        let checkpointer = store.map { WALCheckpointer(path: $0.path) }
        defer { checkpointer?.stop() }
        let bar = ProgressBar()
        let summary: IngestSummary
        var detection: DetectionStage?
        do {
            if let store, !noDetect {
                detection = try DetectionStage(store: store, rules: ruleSet, identities: identities, limits: DetectionLimits(maximumGroups: maxGroups),
                                               overlapping: true)
            }
            let backfill = try Backfill(store: store, identities: identities, onCommit: detection?.onCommit)
            summary = try backfill.run(sources: sources, progress: { progress in
                let fraction = progress.totalBytes > 0 ? Double(progress.bytesRead) / Double(progress.totalBytes) : 0
                let rate = progress.elapsed > 0 ? Double(progress.events) / progress.elapsed : 0
                bar.draw(fraction: fraction, detail: "\(Numbers.grouped(progress.events)) events, \(Numbers.rate(rate)) events/s")
            }, problem: { error in
                bar.clear()
                Standard.error("keywatch ingest: cannot read \(error)")
            })
        } catch {
            bar.clear()
            Standard.error("keywatch ingest: \(error)")
            throw ExitCode(2)
        }
        bar.clear()
        if let detection {
            do {
                try detection.finish()
            } catch {
                Standard.error("keywatch ingest: cannot save the detection state: \(error)")
                throw ExitCode(2)
            }
            AlertLines.print(detection.raised, format: format)
        }
        Self.describeRejects(summary, dryRun: dryRun, db: db).forEach { Standard.error($0) }
        Self.describe(summary, dryRun: dryRun).forEach { Standard.error($0) }
        if let detection { Standard.error(DetectionLines.describe(detection)) }
        if summary.unreadableFiles > 0 { throw ExitCode(2) }
        if summary.rejected > 0 { throw ExitCode(1) }
    }

    /// The first rejects, one line each — file, byte offset, reason —, then how many more and
    /// where to see them: a run that rejected records says which and why, a dry run included.
    static func describeRejects(_ summary: IngestSummary, dryRun: Bool, db: String) -> [String] {
        var lines = summary.firstRejects.map { reject -> String in
            let input = reject.origin.input.hasPrefix("file:") ? String(reject.origin.input.dropFirst(5)) : reject.origin.input
            let place = reject.origin.offset.map { "\(input) at byte \($0)" } ?? input
            return "rejected " + TerminalText.escape(place) + ": " + TerminalText.escape(reject.reason)
        }
        let more = summary.rejected - summary.firstRejects.count
        if more > 0 {
            lines.append("… and \(Numbers.grouped(more)) more " + (dryRun
                ? "(a dry run stores nothing: ingest without --dry-run, then see them all with `keywatch rejects`)"
                : "(keywatch rejects --db \(TerminalText.escape(db)))"))
        }
        return lines
    }

    /// The summary line, then each file skipped as not JSON when there are several (one is
    /// named on the line).
    static func describe(_ summary: IngestSummary, dryRun: Bool) -> [String] {
        let files = "\(Numbers.grouped(summary.files)) file\(summary.files == 1 ? "" : "s") (\(Numbers.bytes(summary.bytesRead)))"
        let counts = dryRun
            ? "\(Numbers.grouped(summary.events)) events decoded (dry run, nothing stored)"
            : "\(Numbers.grouped(summary.stored)) events stored, \(Numbers.grouped(summary.duplicates)) duplicates"
        var text = "ingested \(files) in \(Numbers.oneDecimal(summary.seconds)) s: \(counts), "
        text += "\(Numbers.grouped(summary.skipped)) skipped, \(Numbers.grouped(summary.rejected)) rejected"
        text += " — \(Numbers.rate(summary.eventsPerSecond)) events/s"
        let skippedFiles = summary.skippedFiles.map(TerminalText.escape)
        if skippedFiles.count == 1 { text += "; 1 file not JSON, skipped: \(skippedFiles[0])" }
        if skippedFiles.count > 1 { text += "; \(Numbers.grouped(skippedFiles.count)) files not JSON, skipped:" }
        if summary.unreadableFiles > 0 { text += "; \(summary.unreadableFiles) file(s) could not be read" }
        return [text] + (skippedFiles.count > 1 ? skippedFiles.map { "  " + $0 } : [])
    }
}
