package io.vodpack.upload.media;

import io.vodpack.core.error.ProblemException;

/** The uploaded bytes are not an MP4 that vodpack can package. */
public class UnsupportedMediaException extends ProblemException {

    private UnsupportedMediaException(int status, String slug, String title, String detail) {
        super(status, slug, title, detail);
    }

    /** Not an ISO-BMFF file at all: 415. */
    public static UnsupportedMediaException notMp4(String detail) {
        return new UnsupportedMediaException(415, "not-mp4", "Unsupported media type", detail);
    }

    /** An MP4, but not one H.264 video track plus one AAC audio track, or damaged: 422. */
    public static UnsupportedMediaException unsupportedTracks(String detail) {
        return new UnsupportedMediaException(422, "unsupported-tracks", "Unprocessable media", detail);
    }

    /** An MP4 beyond what vodpack reads (box sizes, track or box counts, time): 422 naming the limit. */
    public static UnsupportedMediaException limitExceeded(String detail) {
        return new UnsupportedMediaException(422, "media-limit-exceeded", "Unprocessable media", detail);
    }
}
