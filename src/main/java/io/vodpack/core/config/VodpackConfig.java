package io.vodpack.core.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithName;

/**
 * Typed view of every {@code vodpack.*} property. Every default is written once, in application.properties,
 * next to its explanation; only the truly optional properties are {@code Optional} here.
 */
@ConfigMapping(prefix = "vodpack")
public interface VodpackConfig {

    /** Base URL clients use to reach this service (e.g. https://vod.example.com); derived from the request when empty. */
    @WithName("public-base-url")
    Optional<String> publicBaseUrl();

    Storage storage();

    Http http();

    Upload upload();

    Packaging packaging();

    Security security();

    Events events();

    Webhooks webhooks();

    interface Http {
        /** Largest body accepted by endpoints other than the uploads (they read it into memory). */
        long maxRequestBody();
    }

    interface Storage {
        /**
         * Root folder for uploads, staging and published streams; with {@code kind=s3} the local scratch folder
         * (uploads being received, packaging work) while inputs and streams live in the bucket.
         */
        Path root();

        /** Where inputs and published streams are kept: {@code filesystem} (under the root) or {@code s3}. */
        Kind kind();

        S3 s3();

        enum Kind {
            FILESYSTEM,
            S3
        }

        /** The S3-compatible bucket of {@code kind=s3}; credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. */
        interface S3 {
            /** The S3 API's URL (e.g. http://minio:9000); empty: AWS's endpoint for the region. */
            Optional<URI> endpoint();

            String region();

            /** Required with {@code kind=s3}. */
            Optional<String> bucket();

            /** Prepended to every key (e.g. {@code vodpack/}), so several services can share a bucket. */
            Optional<String> prefix();

            /** Path-style URLs (http://host/bucket/key), as most S3-compatible servers need. */
            boolean pathStyle();

            /** Create the bucket at start when it is missing. */
            boolean createBucket();

            /** Size of the parts of a multipart upload, in bytes. */
            long partSize();

            /**
             * The longest the S3 server may stay silent on a request (take or give no byte, or give no answer): the
             * request then fails rather than waits, and an upload or a segment request that needed it gets a 503.
             */
            Duration timeout();
        }
    }

    Delivery delivery();

    interface Delivery {
        /** With {@code kind=s3}: answer segment requests with a 302 to a presigned URL instead of proxying the bytes. */
        boolean redirect();

        /** How long a presigned segment URL stays valid. */
        Duration redirectTtl();

        /**
         * With {@code kind=s3} and no redirect: at most this many bytes of published segments are kept on each
         * replica's scratch disk and served from there (0: every request reads the bucket).
         */
        long cacheSize();
    }

    interface Upload {
        /** Largest accepted upload in bytes. */
        long maxSize();

        /** Uploads are refused with 507 while less than this many bytes are free under the storage root. */
        long minFreeSpace();

        /** Partial files and unreferenced inputs older than this are removed by the sweeper. */
        Duration staleAfter();

        /** A resumable upload that receives no bytes for this long expires and is removed. */
        Duration resumableExpireAfter();

        /** How often the upload sweeper runs (scheduler expression). */
        String sweepInterval();

        /** An upload body that brings fewer than this many bytes in one {@link #minTransferWindow()} is stopped (408). */
        long minTransferBytes();

        /** The window over which {@link #minTransferBytes()} is measured. */
        Duration minTransferWindow();

        /** Uploads (single requests and resumable PATCHes) received at once by this instance; more get 503. */
        int maxConcurrent();

        /** How long a refused upload is told to wait (Retry-After) when {@link #maxConcurrent()} are running. */
        Duration busyRetryAfter();

        /** Time to live of a resumable upload's write lock; renewed (with the bytes on disk) every third of it. */
        Duration resumableLockTtl();
    }

    interface Packaging {
        /** Whether this instance runs packaging jobs; API-only replicas set false. */
        boolean workersEnabled();

        /** How often idle workers look for queued jobs (used by the scheduler expression). */
        String pollInterval();

        /** How often expired leases and orphaned staging folders are swept (used by the scheduler expression). */
        String sweepInterval();

        /** Engine that packages inputs: shaka or bento4. */
        String engine();

        /** Jobs packaged at once by this instance; defaults to the number of cores. */
        OptionalInt concurrency();

        /** A job whose engine runs longer than this is killed and failed. */
        Duration timeout();

        /** How often a job is tried before it is failed for good. */
        int maxAttempts();

        /** How long a claimed job stays owned without a renewal. */
        Duration lease();

        /** Target segment duration in seconds. */
        int segmentDuration();

        /**
         * POST /packaged_content answers 429 when the new job would make more than this many jobs wait in the queue (all
         * replicas together); a ladder's renditions, audio and packaging count one each.
         */
        int maxQueuedJobs();

        /**
         * A job is started only when its output (the input's size times this factor) plus
         * {@code vodpack.upload.min-free-space} fits on the storage volume; otherwise it waits in the queue.
         */
        double outputSizeFactor();

        /** How long a job waits in the queue before it is tried again after a transient failure or a full disk. */
        Duration retryBackoff();

        Shaka shaka();

        Bento4 bento4();

        Transcode transcode();
    }

    /** ffmpeg, which makes the renditions of a ladder (docs/multi-bitrate.md). */
    interface Transcode {
        /** ffmpeg executable: a path, or a name looked up on the PATH. */
        String ffmpegPath();

        /** libx264 preset of every video rendition (ultrafast … veryslow). */
        String preset();

        /** A rendition whose ffmpeg runs longer than this is killed and the attempt fails. */
        Duration timeout();
    }

    interface Shaka {
        /** Shaka Packager executable. */
        String path();
    }

    interface Bento4 {
        /** Bento4 mp4fragment executable. */
        String mp4fragment();

        /** Bento4 mp4dash executable. */
        String mp4dash();
    }

    /** API keys, playback tokens and accepted host names (docs/security.md). */
    interface Security {
        /** The first admin key, for automation and Kubernetes Secrets (at least 32 characters). */
        Optional<String> adminApiKey();

        /** How long a replica trusts what it read about a key: revocation takes effect everywhere within this. */
        Duration keyCache();

        /** Host names this instance answers to; empty: any (DNS rebinding protection when set). */
        Optional<List<String>> allowedHosts();

        /** Bytes of inputs one owner may store. */
        long ownerMaxStoredBytes();

        /** Jobs one owner may have waiting in the queue; a ladder's renditions, audio and packaging count one each. */
        int ownerMaxQueuedJobs();

        /** Uploads one API key may send at once, per instance. */
        int keyMaxConcurrentUploads();

        Playback playback();

        interface Playback {
            /** Lifetime of a playback token when the request names none. */
            Duration tokenTtl();

            /** Longest lifetime a client may ask for. */
            Duration maxTokenTtl();
        }
    }

    /** Job events: waiting requests (?wait=) and Server-Sent Events (docs/events.md). */
    interface Events {
        /** Requests waiting for a job to change (long polls and event streams) this instance holds at once; more get 429. */
        int maxWaiting();

        /** Wait before the job event connection to PostgreSQL is opened again after it was lost. */
        Duration reconnectDelay();
    }

    /** Webhook deliveries (docs/events.md). */
    interface Webhooks {
        /** Whether receivers on loopback, private or link-local addresses are accepted (refused by default: SSRF). */
        boolean allowPrivate();

        /** Deliveries in flight at once from this instance. */
        int maxConcurrent();

        /** A receiver that has not answered within this is recorded as failed and tried again later. */
        Duration timeout();

        /** Wait before the second attempt; doubled for each further one, up to {@link #retryMax()}. */
        Duration retryBase();

        /** Longest wait between two attempts. */
        Duration retryMax();

        /** A delivery not accepted this long after its event is given up. */
        Duration giveUpAfter();

        /** How often due deliveries are looked for (scheduler expression). */
        String pollInterval();
    }
}
