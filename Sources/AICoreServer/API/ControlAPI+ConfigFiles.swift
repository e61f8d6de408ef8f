import Hummingbird

/// What `ls` shows of a stack's files.
extension ControlAPI {
    /// The files a stack is applied from: `config_files` (repeated) as the client names them,
    /// else the one `path` it is loaded as.
    static func configFiles(_ request: Request, path: String?) -> [String] {
        let named = request.uri.queryParameters.getAll("config_files").filter { !$0.isEmpty }
        if !named.isEmpty { return named }
        return path.map { [$0] } ?? []
    }
}
