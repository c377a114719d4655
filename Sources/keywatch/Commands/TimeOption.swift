import ArgumentParser
import Foundation
import KeywatchCore
import KeywatchStore

/// `--since` / `--until`: RFC 3339, or a span before now (`15m`, `24h`, `7d`).
enum TimeOption {
    static func parse(_ text: String?, _ option: String, now: Timestamp) throws -> Timestamp? {
        guard let text else { return nil }
        do {
            return try TimeArgument.parseExplaining(text, now: now)
        } catch .tooLong {
            throw ValidationError("\(option): \(DurationError.tooLong(text))")
        } catch {
            throw ValidationError("\(option) '\(text)' is not a time (RFC 3339, or 15m, 24h, 7d)")
        }
    }
}
