extension String {
    /// Nil for the empty string: `text.nonEmpty ?? "an unknown caller"`.
    var nonEmpty: String? { isEmpty ? nil : self }
}
