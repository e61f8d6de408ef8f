import Foundation
import NIOHTTP1
@testable import AICoreImages

/// A small OCI image made in memory, and the registry API answers for it: the content a
/// `TestHTTPServer` serves when a test needs a registry that misbehaves on purpose.
struct FakeImage: Sendable {
    let config: [UInt8]
    let layer: [UInt8]
    let configDescriptor: Descriptor
    let layerDescriptor: Descriptor
    let manifest: [UInt8]
    let manifestDescriptor: Descriptor

    init(layerSize: Int = 50_000, layerType: String = MediaType.ociLayerGzip, urls: [String]? = nil) {
        var generator = SystemRandomNumberGenerator()
        layer = (0..<layerSize).map { _ in UInt8.random(in: 0...255, using: &generator) }
        config = Array(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)
        configDescriptor = Descriptor(mediaType: MediaType.ociConfig, digest: Digest.sha256(of: config), size: Int64(config.count))
        layerDescriptor = Descriptor(mediaType: layerType, digest: Digest.sha256(of: layer), size: Int64(layer.count), urls: urls)
        var urlsJSON = ""
        if let urls {
            urlsJSON = ",\"urls\":[" + urls.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        }
        let text = """
            {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)",\
            "config":{"mediaType":"\(MediaType.ociConfig)","digest":"\(configDescriptor.digest)","size":\(config.count)},\
            "layers":[{"mediaType":"\(layerType)","digest":"\(layerDescriptor.digest)","size":\(layer.count)\(urlsJSON)}]}
            """
        manifest = Array(text.utf8)
        manifestDescriptor = Descriptor(mediaType: MediaType.ociManifest, digest: Digest.sha256(of: manifest), size: Int64(manifest.count))
    }

    /// The registry's answer to `request` for this image in any repository: the manifest by
    /// tag or digest (HEAD and GET), the blobs (with `Range`), 404 for anything else.
    func answer(_ request: TestHTTPServer.Request) -> TestHTTPServer.Response {
        let path = request.path
        if path == "/v2/" { return TestHTTPServer.Response(.ok, body: Array("{}".utf8)) }
        if path.contains("/manifests/") {
            let reference = String(path.split(separator: "/").last ?? "")
            guard reference == "v1" || reference == manifestDescriptor.digest.description else { return Self.notFound }
            return TestHTTPServer.Response(.ok, headers: [
                ("Content-Type", MediaType.ociManifest),
                ("Docker-Content-Digest", manifestDescriptor.digest.description),
                ("Content-Length", "\(manifest.count)"),
            ], body: manifest)
        }
        if path.contains("/blobs/") {
            let digest = String(path.split(separator: "/").last ?? "")
            let bytes: [UInt8]
            switch digest {
            case layerDescriptor.digest.description: bytes = layer
            case configDescriptor.digest.description: bytes = config
            default: return Self.notFound
            }
            return Self.blob(bytes, request: request)
        }
        return Self.notFound
    }

    /// `bytes` as a blob answer: 206 from the `Range` start when asked, else 200.
    static func blob(_ bytes: [UInt8], request: TestHTTPServer.Request) -> TestHTTPServer.Response {
        if let range = request.header("Range"), range.hasPrefix("bytes="), range.hasSuffix("-"),
           let start = Int(range.dropFirst("bytes=".count).dropLast()) {
            guard start < bytes.count else {
                return TestHTTPServer.Response(.rangeNotSatisfiable, headers: [("Content-Range", "bytes */\(bytes.count)")])
            }
            return TestHTTPServer.Response(.partialContent, headers: [
                ("Content-Range", "bytes \(start)-\(bytes.count - 1)/\(bytes.count)"),
                ("Content-Type", "application/octet-stream"),
            ], body: Array(bytes[start...]))
        }
        return TestHTTPServer.Response(.ok, headers: [("Content-Type", "application/octet-stream")], body: bytes)
    }

    static let notFound = TestHTTPServer.Response(.notFound, headers: [("Content-Type", "application/json")], body: Array(#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#.utf8))
}
