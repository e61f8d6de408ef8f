import AICoreImages
import AICoreServer
import ArgumentParser

/// `aicore-node images [SERVICE…]`: the image each instance of the stack runs, as
/// `docker compose images` lists them.
struct Images: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the images the stack's instances run.",
        discussion: """
            One row per instance (running or not) of the stack of -p, -f or the Compose file \
            here; with SERVICE names, only theirs. The image is the one the node's store holds \
            under the name the service gives (`image ls` lists the store). A service run from \
            the host's root (a `command` with no `image:`) has no image, so its instances have \
            no row. SIZE is what a registry transfers, as in `image ls`.

              $ aicore-node images
              CONTAINER      REPOSITORY     TAG  IMAGE ID      SIZE
              demo-web-1     localhost/web  1    3f1c0a9e2b7d  1.2MB
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @Option(name: .long, help: "table or json.")
    var format: Format = .table

    @Flag(name: [.short, .customLong("quiet")], help: "Only the image IDs, once each.")
    var quiet = false

    @OptionGroup var services: ServiceListOptions

    /// One instance's image: the `--format json` element.
    struct Row: Codable, Equatable {
        var container: String
        var service: String
        var repository: String
        var tag: String
        var id: String
        var platform: String
        var size: Int64
    }

    func run() async throws {
        let (client, stack, chosen) = try await services.resolve()
        let instances = try await client.call("GET", "/v1/instances?stack=\(urlEncoded(stack))", as: [InstanceStatus].self)
        let images = try await client.call("GET", "/v1/images", as: [ImageStatus].self)
        let rows = Self.rows(stack: stack, instances: instances.filter { chosen.contains($0.service) }, images: images)
        if quiet {
            var seen = Set<String>()
            for row in rows where seen.insert(row.id).inserted { print(Self.shortID(row.id)) }
            return
        }
        switch format {
        case .json:
            print(try prettyJSON(rows))
        case .table:
            print(Table.render(header: ["CONTAINER", "REPOSITORY", "TAG", "IMAGE ID", "SIZE"], rows: rows.map {
                [$0.container, $0.repository, $0.tag, Self.shortID($0.id), VolumeCommand.Prune.humanSize(UInt64(max($0.size, 0)))]
            }))
        }
    }

    /// The instances' rows, in service then replica order. An image lists the services that
    /// name it (`used_by`, `stack/service`); an instance of a service none lists runs from
    /// the host's root and has no row.
    static func rows(stack: String, instances: [InstanceStatus], images: [ImageStatus]) -> [Row] {
        var byService: [String: ImageStatus] = [:]
        for image in images {
            for user in image.usedBy { byService[user] = image }
        }
        return instances.sorted { ($0.service, $0.replica) < ($1.service, $1.replica) }.compactMap { instance in
            guard let image = byService[stack + "/" + instance.service] else { return nil }
            let (repository, tag) = Self.repositoryAndTag(image)
            return Row(container: instance.id, service: instance.service, repository: repository, tag: tag,
                       id: image.id, platform: image.platform, size: image.size)
        }
    }

    /// Docker's REPOSITORY and TAG columns: the familiar name without its tag, and the tag
    /// (`<none>` for a name pinned by digest only).
    static func repositoryAndTag(_ image: ImageStatus) -> (String, String) {
        guard let reference = try? ImageReference(parsing: image.name) else { return (image.familiar, "<none>") }
        let bare = ImageReference(registry: reference.registry, repository: reference.repository, tag: nil, digest: nil)
        return (bare.familiar, reference.tag ?? "<none>")
    }

    /// The 12 hex digits Docker shows of an image ID.
    static func shortID(_ id: String) -> String {
        String(id.split(separator: ":").last?.prefix(12) ?? Substring(id))
    }
}
