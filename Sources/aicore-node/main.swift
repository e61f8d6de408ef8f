import AICoreCLI

await AICoreNodeMain.run()
