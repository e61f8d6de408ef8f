import AICoreImages
import AICoreServer
import ArgumentParser

/// `aicore-node down`: stop and remove a stack.
struct Down: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop a stack's instances (dependents first) and remove it.",
        discussion: "Named volumes are kept unless -v is given; -v also removes the volumes of a stack that is down already. Nothing of the stack is left behind: no process, cgroup, mount, socket or event."
    )

    @OptionGroup var selection: StackSelection
    @OptionGroup var agent: AgentOptions

    @Flag(name: [.short, .customLong("volumes")], help: "Also remove the stack's named volumes.")
    var volumes = false

    @Flag(name: .long, help: "Accepted as in Compose: down removes every service of the stack, in the file or not.")
    var removeOrphans = false

    enum ImageRemoval: String, ExpressibleByArgument, CaseIterable {
        case all, local
    }

    @Option(name: .long, help: "Also remove the images the stack's services ran: all, or local (those built without an `image:` name). One another stack uses is kept.")
    var rmi: ImageRemoval?

    func run() async throws {
        let client = try agent.client()
        let name = try await selection.resolve(client)
        // Which images the stack's instances run, asked before they go.
        var images: [ImageStatus] = []
        if let rmi { images = try await Self.images(of: name, rmi, client: client) }
        let plan = try await client.call("DELETE", "/v1/stacks/\(urlEncoded(name))\(volumes ? "?volumes=true" : "")",
                                         as: PlanMessage.self, timeout: .seconds(900))
        for instance in plan.stops { print("stopped \(instance)") }
        for volume in plan.volumesRemoved { print("removed volume \(volume)") }
        for image in images {
            if let other = image.usedBy.first(where: { !$0.hasPrefix(name + "/") }) {
                print("kept image \(image.name): in use by \(other)")
                continue
            }
            _ = try await client.call("DELETE", "/v1/images/\(urlEncoded(image.name))", as: ImageCleanup.self)
            print("removed image \(image.name)")
        }
        print("stack \(name): down\(volumes ? ", volumes removed" : "")")
    }

    /// The images the stack's services use; `local`: only those built under the name Compose
    /// gives a service with `build` and no `image` (`<project>-<service>:latest`).
    static func images(of stack: String, _ removal: ImageRemoval, client: AgentClient) async throws -> [ImageStatus] {
        try await client.call("GET", "/v1/images", as: [ImageStatus].self).filter { image in
            let services = image.usedBy.filter { $0.hasPrefix(stack + "/") }.map { String($0.dropFirst(stack.count + 1)) }
            switch removal {
            case .all: return !services.isEmpty
            case .local: return services.contains { image.name == "docker.io/library/\(stack)-\($0):latest" }
            }
        }
    }
}
