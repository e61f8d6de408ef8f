/// An entry's name in a layer, cleaned to the components it names beneath the layer's root.
///
/// Cleaning is lexical and strict: empty and `.` components go (`./usr//bin/` is `usr/bin`), and
/// an absolute name or any `..` component is refused, even one that would stay inside
/// (`a/../b`). Tools disagree on what those mean (Docker strips a leading `/`, others resolve
/// it against the host), and refusing them means a name never has to be resolved against what
/// earlier entries made of the tree (a `..` after a symlink is where CVE-2014-6407 came from).
/// The one absolute name accepted is `/` alone, the root, which every reading agrees on and
/// `umoci insert SRC /` writes. What is left is resolved by the kernel, beneath the root with
/// no symlink followed.
struct LayerPath: Equatable, Sendable {
    enum Problem: Error, Equatable {
        case absolute
        case parentReference
    }

    /// Empty for the layer's root (`./`).
    let components: [[UInt8]]

    init(components: [[UInt8]]) {
        self.components = components
    }

    init(parsing raw: [UInt8]) throws(Problem) {
        var components: [[UInt8]] = []
        for component in raw.split(separator: UInt8(ascii: "/")) {
            if component.elementsEqual([UInt8(ascii: ".")]) { continue }
            if component.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) { throw .parentReference }
            components.append(Array(component))
        }
        if raw.first == UInt8(ascii: "/") && !components.isEmpty { throw .absolute }
        self.components = components
    }

    var isRoot: Bool { components.isEmpty }

    /// The last component; nil for the root.
    var name: [UInt8]? { components.last }

    /// The directory the entry is in (the root for a top-level name).
    var parent: LayerPath { LayerPath(components: Array(components.dropLast())) }

    /// The components joined with `/` (empty for the root), as RootedDirectory opens paths.
    var bytes: [UInt8] { Array(components.joined(separator: [UInt8(ascii: "/")])) }
}
