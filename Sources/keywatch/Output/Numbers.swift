/// Human-readable numbers for summaries.
enum Numbers {
    /// 1234567 → "1,234,567".
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, char) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(char)
        }
        return value < 0 ? "-" + out : out
    }

    /// Bytes as "12.3 MB" (decimal units).
    static func bytes(_ value: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var amount = Double(value)
        var unit = 0
        while amount >= 1000 && unit < units.count - 1 {
            amount /= 1000
            unit += 1
        }
        return unit == 0 ? "\(value) B" : "\(oneDecimal(amount)) \(units[unit])"
    }

    static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// A rate such as "152k" or "1.2M".
    static func rate(_ value: Double) -> String {
        if value >= 1_000_000 { return oneDecimal(value / 1_000_000) + "M" }
        if value >= 10_000 { return "\(Int((value / 1000).rounded()))k" }
        return "\(Int(value.rounded()))"
    }
}
