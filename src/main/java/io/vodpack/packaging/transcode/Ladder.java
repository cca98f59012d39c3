package io.vodpack.packaging.transcode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import io.vodpack.core.error.ProblemException;

/**
 * The video renditions a packaging request asks for: {@code "none"} (the input packaged as it is), {@code "default"}
 * (the table in docs/multi-bitrate.md) or a list of rungs. The ladder never upscales: {@link #fitting} drops rungs
 * taller than the source.
 */
public record Ladder(String name, List<Rung> rungs) {

    public static final int MAX_RUNGS = 8;
    /** DRM labels of a ladder with separate keys: the audio, rungs below 720 lines, rungs of 720 lines and up. */
    public static final String AUDIO_LABEL = "AUDIO";
    public static final String SD_LABEL = "SD";
    public static final String HD_LABEL = "HD";
    public static final int HD_MIN_HEIGHT = 720;
    public static final int MIN_HEIGHT = 120;
    public static final int MAX_HEIGHT = 2160;
    public static final int MIN_BITRATE = 100;
    public static final int MAX_BITRATE = 50_000;

    /** One video rendition: its height in lines and its video bitrate in kbit/s. */
    public record Rung(int height, int videoBitrate) {

        /** The DRM label of this rung when the ladder has separate keys. */
        public String drmLabel() {
            return height >= HD_MIN_HEIGHT ? HD_LABEL : SD_LABEL;
        }

        /** The rendition's name, as in folder names and the API: {@code 720p}. */
        public String name() {
            return height + "p";
        }
    }

    /** 16:9 rungs from 1080p down, with keyframes every segment; see docs/multi-bitrate.md for the reasoning. */
    public static final Ladder DEFAULT = new Ladder("default", List.of(new Rung(1080, 5000), new Rung(720, 3000),
            new Rung(540, 1800), new Rung(360, 800), new Rung(234, 400)));

    public static final Ladder NONE = new Ladder("none", List.of());

    public boolean none() {
        return rungs.isEmpty();
    }

    /**
     * The {@code ladder} field of a request (null or missing: none). Throws a 400 problem naming what is wrong:
     * an unknown name, more than {@value #MAX_RUNGS} rungs, a height outside {@value #MIN_HEIGHT}–{@value #MAX_HEIGHT}
     * or odd, a bitrate outside {@value #MIN_BITRATE}–{@value #MAX_BITRATE} kbit/s, two rungs of one height.
     */
    public static Ladder parse(JsonNode field) {
        if (field == null || field.isNull()) {
            return NONE;
        }
        if (field.isTextual()) {
            return switch (field.asText()) {
                case "none" -> NONE;
                case "default" -> DEFAULT;
                default -> throw invalid("unknown ladder '" + field.asText() + "': use \"none\", \"default\" or a list of"
                        + " rungs like [{\"height\": 720, \"video_bitrate\": 3000}]");
            };
        }
        if (!field.isArray() || field.isEmpty()) {
            throw invalid("'ladder' must be \"none\", \"default\" or a non-empty list of rungs"
                    + " like [{\"height\": 720, \"video_bitrate\": 3000}]");
        }
        if (field.size() > MAX_RUNGS) {
            throw invalid("a ladder has at most " + MAX_RUNGS + " rungs; this one has " + field.size());
        }
        List<Rung> rungs = new ArrayList<>();
        Set<Integer> heights = new HashSet<>();
        for (JsonNode item : field) {
            Rung rung = rung(item);
            if (!heights.add(rung.height())) {
                throw invalid("two rungs have the height " + rung.height() + "; one rendition per height");
            }
            rungs.add(rung);
        }
        rungs.sort(Comparator.comparingInt(Rung::height).reversed());
        return new Ladder("custom", List.copyOf(rungs));
    }

    private static Rung rung(JsonNode item) {
        if (!item.isObject()) {
            throw invalid("each rung is an object like {\"height\": 720, \"video_bitrate\": 3000}");
        }
        for (Iterator<String> names = item.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!name.equals("height") && !name.equals("video_bitrate")) {
                throw invalid("unknown rung field '" + name + "': a rung has 'height' and 'video_bitrate'");
            }
        }
        JsonNode height = item.get("height");
        JsonNode bitrate = item.get("video_bitrate");
        if (height == null || !height.canConvertToInt() || !height.isIntegralNumber()) {
            throw invalid("each rung needs an integer 'height' in lines");
        }
        if (bitrate == null || !bitrate.canConvertToInt() || !bitrate.isIntegralNumber()) {
            throw invalid("each rung needs an integer 'video_bitrate' in kbit/s");
        }
        int h = height.intValue();
        int b = bitrate.intValue();
        if (h < MIN_HEIGHT || h > MAX_HEIGHT || h % 2 != 0) {
            throw invalid("rung height " + h + " is not allowed: heights are even numbers from " + MIN_HEIGHT + " to "
                    + MAX_HEIGHT + " (2160p)");
        }
        if (b < MIN_BITRATE || b > MAX_BITRATE) {
            throw invalid("rung video_bitrate " + b + " kbit/s is not allowed: from " + MIN_BITRATE + " to " + MAX_BITRATE
                    + " kbit/s");
        }
        return new Rung(h, b);
    }

    /**
     * The rungs no taller than the source, tallest first. A ladder of which no rung fits is refused with 422 rather
     * than upscaled.
     */
    public List<Rung> fitting(int sourceHeight) {
        List<Rung> fit = rungs.stream().filter(r -> r.height() <= sourceHeight).toList();
        if (fit.isEmpty() && !rungs.isEmpty()) {
            throw new ProblemException(422, "ladder-above-source", "No rung fits the source",
                    "The source has " + sourceHeight + " lines and every rung of the ladder is taller; the ladder never"
                            + " upscales. Add a rung of at most " + sourceHeight + " lines.");
        }
        return fit;
    }

    /** A canonical text of the ladder, for the request fingerprint. */
    public String canonical() {
        return name + rungs.stream().map(r -> r.height() + ":" + r.videoBitrate()).toList();
    }

    private static ProblemException invalid(String detail) {
        return ProblemException.badRequest("invalid-ladder", detail);
    }
}
