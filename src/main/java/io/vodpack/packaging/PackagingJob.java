package io.vodpack.packaging;

import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Transient;

/**
 * A request to package one input into an encrypted DASH stream, and its progress through the queue. A job of kind
 * {@link Kind#TRANSCODE} makes one rendition of its parent's ladder; the parent packages the renditions.
 */
@Entity
@Table(name = "packaging_job")
public class PackagingJob {

    /**
     * The life of a job. {@link #canMoveTo} is the one table of allowed transitions; {@code JobQueue} makes every
     * change and guards each write with it (see the table in its class comment).
     */
    public enum Status {
        QUEUED, RUNNING, DONE, FAILED, CANCELLED;

        /**
         * Whether a job in this status may move to {@code next}. QUEUED -> FAILED: a ladder's packaging job waiting for
         * its renditions fails when one of them fails for good.
         */
        public boolean canMoveTo(Status next) {
            return switch (this) {
                case QUEUED -> next == RUNNING || next == CANCELLED || next == FAILED;
                case RUNNING -> next == QUEUED || next == DONE || next == FAILED || next == CANCELLED;
                case DONE, FAILED, CANCELLED -> false;
            };
        }

        /** The statuses from which a job may move to {@code next}: the guard of every write that sets it. */
        public static List<Status> into(Status next) {
            return Arrays.stream(values()).filter(s -> s.canMoveTo(next)).toList();
        }

        /** A finished job never changes again; it can only be deleted. */
        public boolean finished() {
            return Arrays.stream(values()).noneMatch(this::canMoveTo);
        }

        /** Every finished status: the guard of a delete. */
        public static List<Status> finishedOnes() {
            return Arrays.stream(values()).filter(Status::finished).toList();
        }
    }

    /** What a job does: package an input (or a ladder's renditions), or transcode one rendition of a ladder. */
    public enum Kind {
        PACKAGE, TRANSCODE
    }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "input_content_id")
    public Long inputContentId;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 16)
    public Status status;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 16)
    public Kind kind = Kind.PACKAGE;

    /** TRANSCODE jobs: the PACKAGE job their rendition is made for. */
    @Column(name = "parent_id")
    public Long parentId;

    /** PACKAGE jobs: the ladder asked for ({@code default} or {@code custom}), null for the input as it is. */
    @Column(length = 16)
    public String ladder;

    /** TRANSCODE jobs: the rendition made, {@code 1080p} … or {@code audio}. */
    @Column(length = 16)
    public String rendition;

    @Column(name = "rendition_height")
    public Integer renditionHeight;

    /** kbit/s of the video; null for the audio rendition. */
    @Column(name = "rendition_bitrate")
    public Integer renditionBitrate;

    @Column(name = "drm_label", length = 8)
    public String drmLabel;

    /** PACKAGE jobs with separate keys, when read for a view: the pair of each DRM label, in the forms they were given. */
    @Transient
    public List<LabelledKey> labelledKeys;

    /** One DRM label's KID and key as the client gave them (or as generated). */
    public record LabelledKey(String label, String kid, String key) {

        /** Keys are secrets: never print them. */
        @Override
        public String toString() {
            return "LabelledKey[" + label + ", redacted]";
        }
    }

    /** PACKAGE jobs with a ladder, when read for a view: its TRANSCODE jobs, tallest first, then the audio. */
    @Transient
    public List<PackagingJob> renditions;

    @Column(nullable = false, length = 16)
    public String engine;

    @Column(name = "key_hex", length = 32, columnDefinition = "bpchar(32)")
    public String keyHex;

    @Column(name = "kid_hex", length = 32, columnDefinition = "bpchar(32)")
    public String kidHex;

    @Column(name = "key_text", length = 64)
    public String keyText;

    @Column(name = "kid_text", length = 64)
    public String kidText;

    @Column(name = "idempotency_key", unique = true)
    public String idempotencyKey;

    @Column(name = "request_fingerprint", length = 64, columnDefinition = "bpchar(64)")
    public String requestFingerprint;

    /** The live published folder under {@code packaged/}: the one attempt that completed the job wrote it. */
    @Column(name = "output_folder", length = 128)
    public String outputFolder;

    /** Whether the live output holds HLS playlists ({@code master.m3u8}) beside the MPD; set when the job is DONE. */
    @Column(nullable = false)
    public boolean hls;

    /** A QUEUED job is not claimed before this time (waiting for free space, or after a transient failure). */
    @Column(name = "not_before")
    public OffsetDateTime notBefore;

    @Column(nullable = false)
    public int progress;

    @Column(nullable = false)
    public int attempts;

    @Column(name = "error_detail", columnDefinition = "text")
    public String errorDetail;

    @Column(name = "lease_owner", length = 128)
    public String leaseOwner;

    @Column(name = "lease_expires_at")
    public OffsetDateTime leaseExpiresAt;

    @Column(name = "created_at", nullable = false)
    public OffsetDateTime createdAt;

    /** The owner of the API key that created it; only that owner (or an admin key) sees it. */
    @Column(nullable = false, length = 64)
    public String owner;

    @Column(name = "started_at")
    public OffsetDateTime startedAt;

    @Column(name = "finished_at")
    public OffsetDateTime finishedAt;

    public ContentKey key() {
        return ContentKey.ofHex(keyHex, keyText);
    }

    public ContentKey kid() {
        return ContentKey.ofHex(kidHex, kidText);
    }
}
