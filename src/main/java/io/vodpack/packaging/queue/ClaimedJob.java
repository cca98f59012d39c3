package io.vodpack.packaging.queue;

import io.vodpack.packaging.ContentKey;

/** What a worker needs to run a job it has just claimed. */
public record ClaimedJob(long id, int attempt, String engine, String inputStorageName, long inputSize, long inputDurationMillis,
        ContentKey key, ContentKey kid, String baseUrl) {

    /** Keys are secrets: never print them. */
    @Override
    public String toString() {
        return "ClaimedJob[id=" + id + ", attempt=" + attempt + ", engine=" + engine + "]";
    }
}
