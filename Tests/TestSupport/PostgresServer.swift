import Foundation

/// A real PostgreSQL server of the tests' own: `initdb` into a temporary data directory, started by
/// `pg_ctl` on a free loopback port with its socket in that directory, fsync off (a test's data need
/// not survive a power cut), stopped with `pg_ctl stop -m immediate` when released.
///
/// One server serves a whole test run (``shared``); each test takes a database of its own
/// (``createDatabase()``), so tests are independent however they are ordered or run at once.
///
/// PostgreSQL refuses to run as root, and the tests run as root in CI. Then the server runs as the
/// `postgres` account that Debian's package creates, through `runuser`: part of util-linux on every
/// Debian system, it switches user without a password, a login shell or a PAM conversation (`su`
/// needs a shell, which system accounts lack). Anyone else runs it as themselves.
///
/// ```swift
/// let server = try PostgresServer.shared.get()
/// let database = try server.createDatabase()
/// // connect to 127.0.0.1:\(server.port) as \(server.user), database `database`, no password
/// ```
public final class PostgresServer: Sendable {
    /// The loopback port it listens on (127.0.0.1 only).
    public let port: Int
    /// The superuser, trusted without a password on loopback.
    public let user = PostgresServer.superuser
    private static let superuser = "keywatch"
    /// Holds the data directory, the socket and the server's log.
    public let directory: String
    private let programs: Programs

    /// The server of this test run, started on first use and stopped when the process exits.
    public static let shared: Result<PostgresServer, PostgresServerError> = {
        let result = Result { () throws(PostgresServerError) in try PostgresServer() }
        if case .success = result { atexit { PostgresServer.stopShared() } }
        return result
    }()

    private static func stopShared() {
        if case .success(let server) = shared { server.stop() }
    }

    /// Starts a server: about a second for `initdb`, a tenth for the start.
    /// - Parameter durable: sync every commit as a production server does (for measurements);
    ///   tests leave it off.
    public init(durable: Bool = false) throws(PostgresServerError) {
        guard let binaries = Self.findBinaries() else {
            throw PostgresServerError(
                "PostgreSQL's server programs (initdb, pg_ctl) are not installed: apt-get install postgresql-15, or set KEYWATCH_POSTGRES_BIN")
        }
        let account = getuid() == 0 ? "postgres" : nil
        // The server's account must reach the directory: a root's TMPDIR may be closed to it.
        let base = account == nil ? FileManager.default.temporaryDirectory : URL(fileURLWithPath: "/tmp")
        let directory = base.appendingPathComponent("keywatch-postgres-\(UUID().uuidString)").path
        let programs = Programs(binaries: binaries, account: account, directory: directory)
        let data = "\(directory)/data"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw PostgresServerError("cannot create \(directory): \(error)")
        }
        if let account {
            guard let entry = getpwnam(account) else {
                throw PostgresServerError("running as root, the test server needs the '\(account)' account that Debian's postgresql package creates")
            }
            chown(directory, entry.pointee.pw_uid, entry.pointee.pw_gid)
        }
        do {
            try programs.run("initdb", ["-D", data, "-U", Self.superuser, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"])
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        var started: PostgresServerError?
        // A free port can be taken by another server between being found and being bound: try again.
        for _ in 0..<3 {
            let port = freePort()
            try Self.configure(data: data, port: port, socketDirectory: directory, durable: durable)
            do {
                try programs.run("pg_ctl", ["-D", data, "-l", "\(directory)/server.log", "-w", "-t", "30", "start"])
                self.port = port
                self.directory = directory
                self.programs = programs
                return
            } catch {
                started = error
            }
        }
        try? FileManager.default.removeItem(atPath: directory)
        throw started ?? PostgresServerError("the test server did not start")
    }

    deinit { stop() }

    private var dataDirectory: String { "\(directory)/data" }

    /// Settings for tests: loopback only, the socket in the private directory, nothing synced.
    private static func configure(data: String, port: Int, socketDirectory directory: String, durable: Bool) throws(PostgresServerError) {
        let settings = """

            # keywatch tests
            port = \(port)
            listen_addresses = '127.0.0.1'
            unix_socket_directories = '\(directory)'
            fsync = \(durable ? "on" : "off")
            synchronous_commit = \(durable ? "on" : "off")
            full_page_writes = \(durable ? "on" : "off")
            max_connections = 60

            """
        let path = "\(data)/postgresql.auto.conf"
        guard let handle = FileHandle(forWritingAtPath: path) else { throw PostgresServerError("cannot write \(path)") }
        handle.seekToEndOfFile()
        handle.write(Data(settings.utf8))
        handle.closeFile()
    }

    /// Creates an empty database with a name of its own; returns the name.
    public func createDatabase() throws(PostgresServerError) -> String {
        let name = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try psql("CREATE DATABASE \(name)")
        return name
    }

    /// Runs one SQL command as the superuser on the `postgres` database (psql, no account switch:
    /// the client may run as root).
    public func psql(_ command: String, database: String = "postgres") throws(PostgresServerError) {
        try programs.execute("\(programs.binaries)/psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                                                           "-p", String(port), "-U", user, "-d", database, "-c", command])
    }

    /// Stops the server at once (no checkpoint: its data is thrown away) and removes its directory.
    public func stop() {
        guard FileManager.default.fileExists(atPath: dataDirectory) else { return }
        try? programs.run("pg_ctl", ["-D", dataDirectory, "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `KEYWATCH_POSTGRES_BIN`, else the newest `/usr/lib/postgresql/<version>/bin` (Debian's layout).
    private static func findBinaries() -> String? {
        if let given = ProcessInfo.processInfo.environment["KEYWATCH_POSTGRES_BIN"] { return given }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        return versions.reversed().map { "\(root)/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: "\($0)/initdb") }
    }
}

/// PostgreSQL's programs, run as the server's account (``PostgresServer``).
private struct Programs: Sendable {
    var binaries: String
    /// The account to switch to (when root), else nil.
    var account: String?
    /// Where the server's log is, to quote when a program fails.
    var directory: String

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    /// Runs one of the server's programs, as the server's account.
    func run(_ program: String, _ arguments: [String]) throws(PostgresServerError) {
        if let account {
            try execute("/usr/sbin/runuser", ["-u", account, "--", "\(binaries)/\(program)"] + arguments)
        } else {
            try execute("\(binaries)/\(program)", arguments)
        }
    }

    /// Runs a program to its end, its output into a file. Spawned and waited for by hand:
    /// Foundation's `Process` waits until every holder of a descriptor it gave the child has
    /// exited, and the server `pg_ctl` starts holds them for as long as it runs.
    func execute(_ executable: String, _ arguments: [String]) throws(PostgresServerError) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("keywatch-postgres-\(UUID().uuidString).out").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of the test process's: the server would keep its sockets and files open,
        // and counts them against its limit (with a busy test run it refused to start: "System
        // allows 19, we need at least 58").
        // (glibc 2.34's closefrom action, which Swift's Glibc module does not declare.)
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw PostgresServerError("cannot run \(executable): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // Exited normally with status 0 (WIFEXITED and WEXITSTATUS, which Swift does not import).
        guard status & 0xFFFF == 0 else {
            let said = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            let log = (try? String(contentsOfFile: "\(directory)/server.log", encoding: .utf8)) ?? ""
            throw PostgresServerError(
                "\(([executable] + arguments).joined(separator: " ")) failed (wait status \(status)): \(said)\(log.suffix(2000))")
        }
    }
}

/// The test server could not be started or used; says what to install or what the server said.
public struct PostgresServerError: Error, CustomStringConvertible {
    public var description: String

    init(_ description: String) { self.description = description }
}
