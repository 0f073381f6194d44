/// The database was migrated by a newer tamwatch than this one.
struct StoreSchemaError: Error, CustomStringConvertible {
    let found: Int
    let known: Int
    var description: String {
        "the database's schema is version \(found), newer than this tamwatch knows (\(known)); upgrade tamwatch"
    }
}
