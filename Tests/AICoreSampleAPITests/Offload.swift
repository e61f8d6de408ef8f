import AICoreTestSupport
import Dispatch

/// Polls `condition` until it holds or the deadline passes; never a fixed sleep.
func eventually(
    within deadline: Duration = .seconds(20), every interval: Duration = .milliseconds(50),
    _ condition: () async -> Bool
) async -> Bool {
    let clock = ContinuousClock()
    let end = clock.now + deadline
    while clock.now < end {
        if await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return await condition()
}
