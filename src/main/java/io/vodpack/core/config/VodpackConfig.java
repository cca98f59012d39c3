package io.vodpack.core.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/** Typed view of every {@code vodpack.*} property; defaults and explanations live in application.properties. */
@ConfigMapping(prefix = "vodpack")
public interface VodpackConfig {

    /** Base URL clients use to reach this service (e.g. https://vod.example.com); derived from the request when empty. */
    @WithName("public-base-url")
    Optional<String> publicBaseUrl();

    Storage storage();

    Http http();

    Upload upload();

    Packaging packaging();

    interface Http {
        /** Largest body accepted by endpoints other than the uploads (they read it into memory). */
        @WithDefault("1048576")
        long maxRequestBody();
    }

    interface Storage {
        /** Root folder for uploads, staging and published streams. */
        @WithDefault("storage")
        Path root();
    }

    interface Upload {
        /** Largest accepted upload in bytes. */
        @WithDefault("4294967296")
        long maxSize();

        /** Uploads are refused with 507 while less than this many bytes are free under the storage root. */
        @WithDefault("536870912")
        long minFreeSpace();

        /** Partial files and unreferenced inputs older than this are removed by the sweeper. */
        @WithDefault("PT10M")
        Duration staleAfter();

        /** A resumable upload that receives no bytes for this long expires and is removed. */
        @WithDefault("PT24H")
        Duration resumableExpireAfter();

        /** How often the upload sweeper runs (scheduler expression). */
        @WithDefault("5m")
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
        @WithDefault("true")
        boolean workersEnabled();

        /** How often idle workers look for queued jobs (used by the scheduler expression). */
        @WithDefault("2s")
        String pollInterval();

        /** How often expired leases and orphaned staging folders are swept (used by the scheduler expression). */
        @WithDefault("10s")
        String sweepInterval();

        /** Engine that packages inputs: shaka or bento4. */
        @WithDefault("shaka")
        String engine();

        /** Jobs packaged at once by this instance; defaults to the number of cores. */
        OptionalInt concurrency();

        /** A job whose engine runs longer than this is killed and failed. */
        @WithDefault("PT15M")
        Duration timeout();

        /** How often a job is tried before it is failed for good. */
        @WithDefault("3")
        int maxAttempts();

        /** How long a claimed job stays owned without a renewal. */
        @WithDefault("PT30S")
        Duration lease();

        /** Target segment duration in seconds. */
        @WithDefault("4")
        int segmentDuration();

        Shaka shaka();

        Bento4 bento4();
    }

    interface Shaka {
        /** Shaka Packager executable. */
        @WithDefault("src/main/npm/node_modules/shaka-packager/bin/packager-linux-x64")
        String path();
    }

    interface Bento4 {
        /** Bento4 mp4fragment executable. */
        @WithDefault("mp4fragment")
        String mp4fragment();

        /** Bento4 mp4dash executable. */
        @WithDefault("mp4dash")
        String mp4dash();
    }
}
