import Foundation
import KeywatchTestSupport

/// A real SMTP server (aiosmtpd, `Tests/Fixtures/smtp-server.py`) on a loopback port, with a
/// self-signed certificate for STARTTLS and a username and password when asked.
final class SMTPServer {
    let port: Int
    let directory = TemporaryDirectory()
    private var process: FixtureProcess?  // set once the paths it needs exist
    var certificate: String { directory.path("cert.pem") }
    var maildir: String { directory.path("mail") }

    /// - Parameters:
    ///   - tls: offer (and require) STARTTLS with a certificate for localhost and 127.0.0.1.
    ///   - credentials: require AUTH with these.
    init(tls: Bool = true, credentials: (user: String, password: String)? = ("keywatch", "s3cret")) throws {
        port = freePort()
        try FileManager.default.createDirectory(atPath: maildir, withIntermediateDirectories: true)
        var arguments = ["--port", String(port), "--maildir", maildir]
        if tls {
            try Self.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                                              "-keyout", directory.path("key.pem"), "-out", certificate, "-subj", "/CN=localhost",
                                              "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
            arguments += ["--cert", certificate, "--key", directory.path("key.pem")]
        }
        if let credentials { arguments += ["--user", credentials.user, "--password", credentials.password] }
        let process = try FixtureProcess(script: "smtp-server.py", arguments: arguments)
        self.process = process
        // READY once listening; nothing if aiosmtpd is missing (`pip install aiosmtpd`).
        guard process.firstLine.hasPrefix("READY") else {
            throw SetupError(description: "the SMTP test server did not start; is aiosmtpd installed? (pip install aiosmtpd)")
        }
    }

    /// The messages received so far: their bytes and envelope recipients.
    func messages() -> [(message: String, recipients: [String])] {
        var found: [(String, [String])] = []
        var number = 1
        while let message = FileManager.default.contents(atPath: "\(maildir)/\(number).eml"),
              let recipients = FileManager.default.contents(atPath: "\(maildir)/\(number).rcpt") {
            found.append((String(decoding: message, as: UTF8.self),
                          String(decoding: recipients, as: UTF8.self).split(separator: "\n").map(String.init)))
            number += 1
        }
        return found
    }

    private static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw SetupError(description: "\(tool) failed") }
    }

    struct SetupError: Error, CustomStringConvertible {
        var description: String
    }
}

/// A received message: its header lines (unfolded) and its body, quoted-printable decoded.
struct ReceivedMail {
    var headers: [(name: String, value: String)] = []
    var body = ""

    init(_ text: String) {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        let parts = normalized.components(separatedBy: "\n\n")
        var lines: [String] = []
        for line in parts[0].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.first == " " || line.first == "\t", !lines.isEmpty { lines[lines.count - 1] += String(line) } else { lines.append(String(line)) }
        }
        headers = lines.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        body = Self.decodeQuotedPrintable(parts.dropFirst().joined(separator: "\n\n"))
    }

    func header(_ name: String) -> [String] { headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value) }

    static func decodeQuotedPrintable(_ text: String) -> String {
        var bytes: [UInt8] = []
        let source = Array(text.replacingOccurrences(of: "=\n", with: "").utf8)
        var index = 0
        while index < source.count {
            if source[index] == UInt8(ascii: "="), index + 2 < source.count,
               let value = UInt8(String(decoding: source[index + 1...index + 2], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
