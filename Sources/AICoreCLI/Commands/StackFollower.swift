import AICoreServer
import Foundation
import Synchronization

/// What `up` shows in the foreground once the stack is up, like `docker compose up`: every
/// instance's log lines prefixed with its name, and the stack's events, until cancelled. An
/// instance that appears later (scale, a replacement) is followed from its first event.
enum StackFollower {
    static func follow(client: AgentClient, stack: String) async throws {
        let followed = Mutex<Set<String>>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            /// True the first time an instance is seen: its log is then followed once.
            @Sendable func claim(_ instance: String) -> Bool {
                followed.withLock { $0.insert(instance).inserted }
            }
            let instances = try await client.call("GET", "/v1/instances?stack=\(urlEncoded(stack))", as: [InstanceStatus].self)
            let width = max(instances.map(\.id.count).max() ?? 0, 12)
            for instance in instances.map(\.id) where claim(instance) {
                group.addTask { try await Self.logs(client: client, instance: instance, tail: 10, width: width) }
            }
            let events = try await eventStream(client: client, stack: stack)
            for try await event in events {
                Output.workloadLine(Progress.format(event))
                if !event.instance.isEmpty, claim(event.instance) {
                    let instance = event.instance
                    group.addTask { try await Self.logs(client: client, instance: instance, tail: 100, width: width) }
                }
            }
            group.cancelAll()
        }
    }

    static func eventStream(client: AgentClient, stack: String) async throws -> AsyncThrowingStream<EventMessage, any Error> {
        let stream: AgentStream
        do {
            stream = try await client.stream("GET", "/v1/events?stack=\(urlEncoded(stack))")
        } catch {
            throw CLIFailure.from(error)
        }
        let parsed = ServerSentEvents.parse(stream.chunks)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await event in parsed {
                        if let message = try? ControlAPI.decoder.decode(EventMessage.self, from: Data(event.data.utf8)) {
                            continuation.yield(message)
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// One instance's log, followed; ends quietly when the instance goes away.
    static func logs(client: AgentClient, instance: String, tail: Int, width: Int) async throws {
        guard let stream = try? await client.stream("GET", "/v1/instances/\(urlEncoded(instance))/logs?follow=true&tail=\(tail)") else { return }
        let prefix = instance.padding(toLength: width, withPad: " ", startingAt: 0) + " | "
        do {
            try await LogEntryLines.forEach(in: stream) { entry in
                Output.workloadLine(prefix + entry.text, stderr: entry.stream == "stderr")
            }
        } catch {
            return
        }
    }
}
