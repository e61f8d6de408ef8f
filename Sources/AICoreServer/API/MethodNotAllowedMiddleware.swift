import AICoreErrors
import Hummingbird

/// A request whose path the router serves, but not with its method, gets a 405 with `Allow`
/// instead of the router's 404. Added after the routes, so it only wraps the not-found answer.
public struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Each served path (`/v1/stacks/{stack}`) with the methods it serves.
    let routes: [(path: RouterPath, methods: [HTTPRequest.Method])]

    public init(routes: [Router<Context>.RouteDescription]) {
        var paths: [String: RouterPath] = [:]
        var methods: [String: [HTTPRequest.Method]] = [:]
        for route in routes {
            paths[route.path.description] = route.path
            methods[route.path.description, default: []].append(route.method)
        }
        self.routes = paths.sorted { $0.key < $1.key }.map { key, path in
            (path, (methods[key] ?? []).sorted { $0.rawValue < $1.rawValue })
        }
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && error.body == nil {
            let components = request.uri.path.split(separator: "/")
            guard let allowed = routes.first(where: { Self.matches($0.path, components) })?.methods else { throw error }
            let allow = allowed.map(\.rawValue).joined(separator: ", ")
            var response = ProblemMiddleware<Context>.response(
                for: AICoreError(.methodNotAllowed, "\(request.uri.path) answers \(allow), not \(request.method)"))
            response.headers[.allow] = allow
            return response
        }
    }

    static func matches(_ pattern: RouterPath, _ path: [Substring]) -> Bool {
        pattern.components.count == path.count && zip(pattern.components, path).allSatisfy { $0 ~= $1 }
    }
}
