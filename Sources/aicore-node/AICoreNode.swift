import AICoreCLI

@main
struct AICoreNode {
    static func main() async {
        await AICoreNodeCommand.mainEntry()
    }
}
