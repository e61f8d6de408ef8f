/// Why a schedule was refused. The caller shows `description` at the schedule's place in the
/// stack file, so the text names the field (when one is at fault), what was found and what
/// would have been accepted, e.g. `minute: 60 is out of range 0-59`.
public struct CronParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field at fault; nil when the schedule as a whole is (field count, descriptor, prefix).
    public let field: CronScheduleField?
    /// What is wrong and what was expected, without the field's name.
    public let message: String

    public init(field: CronScheduleField?, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String {
        guard let field else { return message }
        return "\(field.name): \(message)"
    }
}
