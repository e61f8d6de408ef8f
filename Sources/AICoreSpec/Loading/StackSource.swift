import Foundation

/// Where the loader reads the files a stack names (`include`, `extends.file`): the texts it was
/// given, or the disk.
struct StackSource {
    /// `StackLoadOptions.contents`: stack files given as text.
    let contents: [String: String]

    /// A stack given as text was sent to the agent, which must never read its own files on a
    /// client's behalf: such a stack can only include or extend files sent with it. (The CLI
    /// resolves `include` and `extends` itself and sends the normalized result.)
    var readsDisk: Bool { contents.isEmpty }

    func exists(_ path: String) -> Bool {
        if contents[path] != nil { return true }
        var isDirectory: ObjCBool = false
        return readsDisk && FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    /// Why `path` cannot be read ("it does not exist"), for a message located where it is
    /// named; nil when it can.
    func problem(_ path: String) -> String? {
        if exists(path) { return nil }
        return readsDisk ? "it does not exist" : "it is not part of the stack sent to the agent"
    }

    func read(_ path: String) -> Result<YAMLNode, Diagnostic> {
        contents[path].map { YAMLReader.parse($0, file: path) } ?? YAMLReader.read(path: path)
    }
}
