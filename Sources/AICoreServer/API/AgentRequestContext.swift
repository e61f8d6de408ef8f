import Foundation
import Hummingbird

/// The request context of the control API: JSON in snake_case both ways, and request bodies
/// limited to `maxUploadSize`.
public struct AgentRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// A stack file or a JSON request is never near this; anything bigger is refused with 413.
    public var maxUploadSize: Int { ControlAPI.maxBodyBytes }

    public var requestDecoder: JSONDecoder { ControlAPI.decoder }
    public var responseEncoder: JSONEncoder { ControlAPI.encoder }
}
