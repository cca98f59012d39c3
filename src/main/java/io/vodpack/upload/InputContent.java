package io.vodpack.upload;

import java.time.OffsetDateTime;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** An uploaded MP4 that passed validation and is stored under a server-chosen name. */
@Entity
@Table(name = "input_content")
public class InputContent {

    /** READY inputs can be packaged; DELETING ones are on their way out. */
    public enum Status {
        READY, DELETING
    }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 16)
    public Status status;

    @Column(name = "storage_name", nullable = false, unique = true, length = 64)
    public String storageName;

    @Column(name = "original_filename")
    public String originalFilename;

    @Column(name = "content_type", length = 128)
    public String contentType;

    @Column(name = "size_bytes", nullable = false)
    public long sizeBytes;

    @Column(nullable = false, length = 64, columnDefinition = "bpchar(64)")
    public String sha256;

    @Column(name = "video_codec", nullable = false, length = 32)
    public String videoCodec;

    @Column(name = "audio_codec", nullable = false, length = 32)
    public String audioCodec;

    @Column(nullable = false)
    public int width;

    @Column(nullable = false)
    public int height;

    @Column(name = "duration_ms", nullable = false)
    public long durationMillis;

    @Column(name = "created_at", nullable = false)
    public OffsetDateTime createdAt;

    /** The owner of the API key that created it; only that owner (or an admin key) sees it. */
    @Column(nullable = false, length = 64)
    public String owner;
}
