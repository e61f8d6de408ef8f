import Foundation
import Testing
@testable import AICoreSampleAPI

@Suite struct FaultSwitchesTests {
    @Test func aPatchChangesOnlyWhatItNames() throws {
        let switches = FaultSwitches(FaultSettings(delayMilliseconds: 10))
        let patch = try JSONDecoder().decode(FaultPatch.self, from: Data(#"{"hang": true}"#.utf8))
        let settings = switches.apply(patch)
        #expect(settings == FaultSettings(hang: true, delayMilliseconds: 10))
    }

    @Test func crashAfterNullDisarmsAndANewValueRearms() throws {
        let start = ContinuousClock.now
        let switches = FaultSwitches(FaultSettings(crashAfterSeconds: 5), now: start)
        let later = start + .seconds(30)
        switches.apply(try JSONDecoder().decode(FaultPatch.self, from: Data(#"{"crash_after": 1}"#.utf8)), now: later)
        #expect(switches.current.crashAfterSeconds == 1)
        #expect(switches.crashArmedAt == later)
        switches.apply(try JSONDecoder().decode(FaultPatch.self, from: Data(#"{"crash_after": null}"#.utf8)))
        #expect(switches.current.crashAfterSeconds == nil)
    }

    @Test func negativeValuesAreRejected() throws {
        let patch = try JSONDecoder().decode(FaultPatch.self, from: Data(#"{"delay_ms": -5}"#.utf8))
        #expect(patch.problem == "delay_ms must be >= 0")
    }

    @Test func settingsEncodeWithTheDocumentedKeys() throws {
        let data = try JSONEncoder().encode(FaultSettings(neverReady: true, crashAfterSeconds: 3))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["never_ready", "crash_after", "hang", "delay_ms", "leak_mb_per_s"])
    }

    @Test func readinessReportNamesEveryFailure() {
        let report = ReadinessReport(
            postgres: DependencyCheck(ok: false, error: "connection refused", milliseconds: 3),
            redis: DependencyCheck(ok: true, milliseconds: 1), neverReady: false)
        #expect(!report.isReady)
        #expect(report.reason == "postgres: connection refused")
        let ready = ReadinessReport(
            postgres: DependencyCheck(ok: true, milliseconds: 1), redis: DependencyCheck(ok: true, milliseconds: 1),
            neverReady: false)
        #expect(ready.isReady)
    }
}
