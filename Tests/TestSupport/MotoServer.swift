import Foundation

/// A real S3 and SQS endpoint on a loopback port: moto's server (`Tests/Fixtures/moto-server.py`),
/// as the e-mail tests start a real SMTP server. It accepts any credentials, and answers SigV4
/// requests as AWS does.
public final class MotoServer {
    public let port: Int
    private let process: FixtureProcess

    public init() throws {
        port = freePort()
        process = try FixtureProcess(script: "moto-server.py", arguments: ["--port", String(port)])
        guard process.firstLine.hasPrefix("READY") else {
            throw MotoServerError(description: "the S3/SQS test server did not start; is moto installed? (pip install 'moto[server]')")
        }
    }

    /// `http://127.0.0.1:<port>`.
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    struct MotoServerError: Error, CustomStringConvertible {
        var description: String
    }
}
