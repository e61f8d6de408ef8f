import AICoreServer
import AICoreSystem
import ArgumentParser
import Foundation

extension ImageCommand {
    /// `aicore-node image load -i FILE`: images from an archive, for hosts with no registry.
    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "load",
            abstract: "Load images from a docker save archive or an OCI archive.",
            discussion: """
                Reads what `docker save`, `skopeo copy … docker-archive:FILE:NAME` and `skopeo \
                copy … oci-archive:FILE:NAME` write (a tar, compressed or not). The archive is \
                sent to the agent, which verifies every blob against its digest and unpacks \
                each layer once, as a pull does. Prints each image loaded.

                  aicore-node image load -i redis.tar
                """
        )

        @Option(name: [.short, .customLong("input")], help: "The archive to load.")
        var input: String

        @OptionGroup var agent: AgentOptions

        func run() async throws {
            let bytes: [UInt8]
            do {
                bytes = try FileIO.read(input)
            } catch {
                throw CLIFailure.invalid("cannot read \(input): \(error.message)")
            }
            let client = try agent.client()
            let response: AgentResponse
            do {
                response = try await client.send("POST", "/v1/images/load", body: bytes, contentType: "application/x-tar", timeout: .seconds(3600))
            } catch {
                throw CLIFailure.from(error)
            }
            let images: [ImageStatus]
            do {
                images = try ControlAPI.decoder.decode([ImageStatus].self, from: Data(response.body))
            } catch {
                throw CLIFailure.failed("the agent's answer to image load does not decode: \(error)")
            }
            for image in images { print("Loaded image: \(image.familiar)") }
        }
    }
}
