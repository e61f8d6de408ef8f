/// The OCI chain ID of each layer of an image: the identity of a layer *and everything under
/// it*, so an unpacked layer is shared exactly by the images that stack the same layers in the
/// same order. `chain(0) = diffID(0)`, `chain(n) = sha256(chain(n-1) + " " + diffID(n))`.
public enum ChainID {
    public static func chain(_ diffIDs: [Digest]) -> [Digest] {
        var chain: [Digest] = []
        for diffID in diffIDs {
            guard let parent = chain.last else {
                chain.append(diffID)
                continue
            }
            chain.append(Digest.sha256(of: Array("\(parent) \(diffID)".utf8)))
        }
        return chain
    }
}
