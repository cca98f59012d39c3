package io.vodpack.packaging.engine;

import java.util.List;

/**
 * A packaging engine: an external program that turns an MP4 into MPEG-DASH (and, for some, HLS)
 * encrypted with cbcs.
 * Engines describe their command lines; {@link EngineProcess} runs them (argument lists, never a shell).
 */
public interface Packager {

    /** Name used in configuration and in job rows: {@code shaka} or {@code bento4}. */
    String name();

    /** Command lines to run one after another, each in {@link PackagingRequest#workDir()}. */
    List<List<String>> commandLines(PackagingRequest request);

    /**
     * Whether this engine also writes HLS ({@code master.m3u8} and its media playlists) over the same segments,
     * each media playlist's {@code EXT-X-KEY} naming the key URI {@link PackagingRequest#hlsKeyUriOf} gives for it.
     */
    default boolean writesHls() {
        return false;
    }

    /** Executables this engine needs, for the readiness check. */
    List<String> executables();

    /** Arguments that make the first executable print its version. */
    List<String> versionCommand();
}
