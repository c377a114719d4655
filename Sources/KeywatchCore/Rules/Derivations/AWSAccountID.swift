/// AWS account ids as values name them.
enum AWSAccountID {
    /// The account a value names: itself when it is a 12-digit id, the account field of an ARN
    /// (`arn:aws:iam::111122223333:role/x`), nil otherwise.
    static func named(by text: String) -> String? {
        if isAccountID(text) { return text }
        guard text.hasPrefix("arn:") else { return nil }
        let fields = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard fields.count >= 6 else { return nil }
        let account = String(fields[4])
        return isAccountID(account) ? account : nil
    }

    /// True for exactly twelve ASCII digits.
    static func isAccountID(_ text: String) -> Bool {
        text.utf8.count == 12 && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}
