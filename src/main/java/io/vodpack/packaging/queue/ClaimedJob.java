package io.vodpack.packaging.queue;

import java.util.List;

import io.vodpack.packaging.ContentKey;
import io.vodpack.packaging.PackagingJob.Kind;
import io.vodpack.packaging.engine.PackagingRequest;
import io.vodpack.packaging.engine.PackagingRequest.TrackKey;

/**
 * What a worker needs to run a job it has just claimed. {@code leaseOwner} is unique to this attempt: every write
 * the attempt makes is guarded by it, and {@link #folderName()} names the folders only this attempt may touch.
 * A PACKAGE job carries its keys and, with a ladder, its {@code renditions}; a TRANSCODE job carries no keys, its
 * {@code parentId} and the {@code rendition} it makes. {@code labelledKeys} holds a ladder's separate keys (AUDIO, HD,
 * SD), empty while {@code key}/{@code kid} encrypt every track.
 */
public record ClaimedJob(long id, int attempt, String leaseOwner, String token, Kind kind, String engine,
        String inputStorageName, long inputSize, long inputDurationMillis, ContentKey key, ContentKey kid,
        Long parentId, Rendition rendition, List<Rendition> renditions, List<TrackKey> labelledKeys) {

    /**
     * One rendition of a ladder: {@code name} ({@code 720p}, or {@code audio} with a null height), its video
     * bitrate in kbit/s, and the DRM label its track is encrypted under.
     */
    public record Rendition(String name, Integer height, Integer videoBitrate, String drmLabel) {

        public boolean audio() {
            return height == null;
        }
    }

    /** The keys by DRM label the packager encrypts with: the separate ones, or the job's one key as {@code CK}. */
    public List<TrackKey> trackKeys() {
        return labelledKeys.isEmpty() ? List.of(new TrackKey(PackagingRequest.SINGLE_KEY_LABEL, kid, key)) : labelledKeys;
    }

    /** {@code <job>-<attempt>-<token>}: this attempt's staging folder and, once published, its output folder. */
    public String folderName() {
        return id + "-" + attempt + "-" + token;
    }

    /** Whether this job packages renditions of a ladder (rather than the input as it is). */
    public boolean ladder() {
        return !renditions.isEmpty();
    }

    /** The PACKAGE job this attempt works for: itself, or the parent of a rendition. */
    public long packagingJobId() {
        return parentId != null ? parentId : id;
    }

    /** Keys are secrets: never print them. */
    @Override
    public String toString() {
        return "ClaimedJob[id=" + id + ", attempt=" + attempt + ", kind=" + kind + ", engine=" + engine + "]";
    }
}
