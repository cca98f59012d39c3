package io.vodpack.packaging.queue;

import io.vodpack.packaging.ContentKey;

/**
 * What a worker needs to run a job it has just claimed. {@code leaseOwner} is unique to this attempt: every write
 * the attempt makes is guarded by it, and {@link #folderName()} names the folders only this attempt may touch.
 */
public record ClaimedJob(long id, int attempt, String leaseOwner, String token, String engine, String inputStorageName,
        long inputSize, long inputDurationMillis, ContentKey key, ContentKey kid) {

    /** {@code <job>-<attempt>-<token>}: this attempt's staging folder and, once published, its output folder. */
    public String folderName() {
        return id + "-" + attempt + "-" + token;
    }

    /** Keys are secrets: never print them. */
    @Override
    public String toString() {
        return "ClaimedJob[id=" + id + ", attempt=" + attempt + ", engine=" + engine + "]";
    }
}
