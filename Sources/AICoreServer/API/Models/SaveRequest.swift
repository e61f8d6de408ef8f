/// `POST /v1/images/save`: the images to write into one archive (names, `name@digest` or IDs).
public struct SaveRequest: Codable, Sendable, Equatable {
    public var images: [String]

    public init(images: [String]) {
        self.images = images
    }
}
