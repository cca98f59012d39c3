package io.vodpack.upload.media;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads the ISO-BMFF box tree of an uploaded file (only headers and the small {@code moov} box,
 * never the media data) and accepts exactly one H.264 video track and one AAC audio track.
 * Blocking: call it from a worker thread.
 *
 * <p>Box sizes come from the client, so every inspection runs within fixed limits and answers 422 naming the
 * limit it hit: a {@code moov} of at most {@link #MAX_MOOV_BYTES} (a two-hour H.264/AAC movie has 5 to 10 MB of
 * sample tables), at most {@link #MAX_TRACKS} tracks, at most {@link #MAX_BOXES} boxes read in all (a
 * fragmented two-hour file with one-second fragments has about 30 000), and at most {@link #MAX_TIME} of work.
 */
public final class Mp4Inspector {

    private static final Set<String> TOP_LEVEL = Set.of("ftyp", "styp", "moov", "mdat", "free", "skip", "wide",
            "uuid", "moof", "mfra", "sidx", "meta", "pdin", "emsg", "prft");
    static final int MAX_MOOV_BYTES = 16 * 1024 * 1024;
    static final int MAX_TRACKS = 16;
    static final int MAX_BOXES = 200_000;
    static final Duration MAX_TIME = Duration.ofSeconds(5);

    private final long deadline = System.nanoTime() + MAX_TIME.toNanos();
    private int boxesLeft = MAX_BOXES;

    private Mp4Inspector() {
    }

    /**
     * One track: its handler, sample entry and codec; {@code width}/{@code height} the picture as displayed (the
     * decoded size, from the SPS or else the sample entry or else {@code tkhd}, turned by a quarter-turn rotation).
     */
    private record Track(String handler, String sampleEntry, String codec, int width, int height) {
    }

    public static MediaInfo inspect(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            return new Mp4Inspector().read(new Source() {
                @Override
                public long size() {
                    return size;
                }

                @Override
                public ByteBuffer read(long position, int length) throws IOException {
                    return Mp4Inspector.read(channel, position, length);
                }
            });
        }
    }

    /** Inspects a file read through {@code source} (ranged reads of a stored object). Blocking. */
    public static MediaInfo inspect(Source source) throws IOException {
        return new Mp4Inspector().read(source);
    }

    /**
     * Random access to a complete file: the inspector reads each top-level box header (16 bytes) and the whole
     * {@code moov} box, wherever it is (at the start after {@code +faststart}, else at the end), nothing else.
     */
    public interface Source {
        long size();

        /** Blocking: {@code length} bytes from {@code position} (fewer only at the end). */
        ByteBuffer read(long position, int length) throws IOException;
    }

    /** Counts one more box against the budget, and checks the time budget. */
    private void count() {
        if (--boxesLeft < 0) {
            throw UnsupportedMediaException.limitExceeded("the MP4 has more than " + MAX_BOXES
                    + " boxes, the most vodpack reads (real files have far fewer)");
        }
        if ((boxesLeft & 0x3ff) == 0 && System.nanoTime() > deadline) {
            throw UnsupportedMediaException.limitExceeded("reading the MP4's box structure took longer than "
                    + MAX_TIME.toSeconds() + " s, the most vodpack spends on it");
        }
    }

    private MediaInfo read(Source channel) throws IOException {
        {
            long size = channel.size();
            ByteBuffer moov = null;
            long movieDuration = 0;
            long position = 0;
            boolean first = true;
            while (position < size) {
                if (size - position < 8) {
                    if (first) {
                        throw UnsupportedMediaException.notMp4("the file is not an ISO-BMFF (MP4) file: it has only "
                                + size + " bytes");
                    }
                    throw UnsupportedMediaException.unsupportedTracks(
                            "the file ends with " + (size - position) + " stray bytes after the last box");
                }
                count();
                ByteBuffer header = channel.read(position, (int) Math.min(16, size - position));
                long boxSize = Integer.toUnsignedLong(header.getInt(0));
                String type = fourcc(header, 4);
                int headerSize = 8;
                if (boxSize == 1) {
                    if (header.limit() < 16) {
                        throw UnsupportedMediaException.unsupportedTracks("the file is truncated inside a box header");
                    }
                    boxSize = header.getLong(8);
                    headerSize = 16;
                } else if (boxSize == 0) {
                    boxSize = size - position;
                }
                if (first) {
                    first = false;
                    if (!TOP_LEVEL.contains(type) || boxSize < headerSize) {
                        throw UnsupportedMediaException.notMp4(
                                "the file is not an ISO-BMFF (MP4) file: it does not start with an ftyp or moov box");
                    }
                }
                if (boxSize < headerSize) {
                    throw UnsupportedMediaException.unsupportedTracks("box '" + printable(type) + "' at byte " + position
                            + " has an invalid size " + boxSize);
                }
                if (position + boxSize > size) {
                    throw UnsupportedMediaException.unsupportedTracks("the file is truncated: box '" + printable(type)
                            + "' at byte " + position + " needs " + boxSize + " bytes but only " + (size - position)
                            + " remain");
                }
                if (type.equals("moov")) {
                    if (boxSize - headerSize > MAX_MOOV_BYTES) {
                        throw UnsupportedMediaException.limitExceeded("the moov box has " + (boxSize - headerSize)
                                + " bytes; vodpack reads at most " + MAX_MOOV_BYTES + " (16 MiB) of track metadata");
                    }
                    if (moov != null) {
                        throw UnsupportedMediaException.unsupportedTracks("the MP4 has more than one moov box");
                    }
                    moov = channel.read(position + headerSize, (int) (boxSize - headerSize));
                }
                position += boxSize;
            }
            if (moov == null) {
                throw UnsupportedMediaException.unsupportedTracks("the MP4 has no moov box (no track metadata)");
            }
            List<Track> tracks = new ArrayList<>();
            long[] mvhd = new long[2];
            forEachChild(moov, (type, body) -> {
                if (type.equals("trak")) {
                    if (tracks.size() == MAX_TRACKS) {
                        throw UnsupportedMediaException.limitExceeded("the MP4 has more than " + MAX_TRACKS
                                + " tracks, the most vodpack reads; it packages one video and one audio track");
                    }
                    tracks.add(track(body));
                } else if (type.equals("mvhd")) {
                    long[] timing = fullBoxTiming(body);
                    mvhd[0] = timing[0];
                    mvhd[1] = timing[1];
                }
            });
            movieDuration = mvhd[0] > 0 ? mvhd[1] * 1000 / mvhd[0] : 0;
            return accept(tracks, movieDuration);
        }
    }

    private static MediaInfo accept(List<Track> tracks, long durationMillis) {
        List<Track> video = tracks.stream().filter(t -> t.handler().equals("vide")).toList();
        List<Track> audio = tracks.stream().filter(t -> t.handler().equals("soun")).toList();
        if (video.isEmpty()) {
            throw UnsupportedMediaException.unsupportedTracks("no H.264 video track; found: none");
        }
        if (video.size() > 1) {
            throw UnsupportedMediaException.unsupportedTracks(
                    "expected one video track; found " + video.size() + ": " + describe(video));
        }
        Track v = video.get(0);
        if (!v.sampleEntry().equals("avc1") && !v.sampleEntry().equals("avc3")) {
            throw UnsupportedMediaException.unsupportedTracks("no H.264 video track; found: " + describe(video));
        }
        if (audio.isEmpty()) {
            throw UnsupportedMediaException.unsupportedTracks("no AAC audio track; found: none");
        }
        if (audio.size() > 1) {
            throw UnsupportedMediaException.unsupportedTracks(
                    "expected one audio track; found " + audio.size() + ": " + describe(audio));
        }
        Track a = audio.get(0);
        if (!a.codec().startsWith("mp4a.40.")) {
            throw UnsupportedMediaException.unsupportedTracks("no AAC audio track; found: " + describe(audio));
        }
        return new MediaInfo(v.codec(), a.codec(), v.width(), v.height(), durationMillis);
    }

    private static String describe(List<Track> tracks) {
        return String.join(", ", tracks.stream().map(t -> codecName(t)).toList());
    }

    private static String codecName(Track t) {
        return switch (t.sampleEntry()) {
            case "avc1", "avc3" -> "H.264 (" + t.codec() + ")";
            case "hvc1", "hev1" -> "HEVC (" + t.sampleEntry() + ")";
            case "av01" -> "AV1 (av01)";
            case "vp09" -> "VP9 (vp09)";
            case "Opus" -> "Opus";
            case "ac-3" -> "AC-3 (ac-3)";
            case "ec-3" -> "E-AC-3 (ec-3)";
            case "fLaC" -> "FLAC (fLaC)";
            case "mp4a" -> t.codec().startsWith("mp4a.40.") ? "AAC (" + t.codec() + ")"
                    : t.codec().equals("mp4a.6B") || t.codec().equals("mp4a.69") ? "MP3 (" + t.codec() + ")"
                            : "MPEG-4 audio (" + t.codec() + ")";
            case "" -> "a track without a sample description";
            default -> "'" + printable(t.sampleEntry()) + "'";
        };
    }

    private Track track(ByteBuffer trak) {
        String[] handler = { "" };
        String[] entry = { "" };
        String[] codec = { "" };
        int[] dims = new int[2];
        int[][] coded = { null };
        boolean[] quarterTurn = { false };
        forEachChild(trak, (type, body) -> {
            if (type.equals("tkhd") && body.remaining() >= 84) {
                int version = body.get(body.position()) & 0xff;
                int offset = version == 1 ? 88 : 76;
                if (body.remaining() >= offset + 8) {
                    dims[0] = body.getInt(body.position() + offset) >>> 16;
                    dims[1] = body.getInt(body.position() + offset + 4) >>> 16;
                    // The matrix {a, b, u, c, d, v, x, y, w} precedes the size: a = 0 and b != 0 turn the picture by 90 or
                    // 270 degrees, so players (and ffmpeg, which rotates while transcoding) show it with width and height
                    // swapped.
                    int matrix = offset - 36;
                    quarterTurn[0] = body.getInt(body.position() + matrix) == 0 && body.getInt(body.position() + matrix + 4) != 0;
                }
            } else if (type.equals("mdia")) {
                forEachChild(body, (mtype, mbody) -> {
                    if (mtype.equals("hdlr") && mbody.remaining() >= 12) {
                        handler[0] = fourcc(mbody, mbody.position() + 8);
                    } else if (mtype.equals("minf")) {
                        ByteBuffer stsd = find(mbody, "stbl", "stsd");
                        if (stsd != null && stsd.remaining() >= 16) {
                            int entryStart = stsd.position() + 8;
                            int entrySize = stsd.getInt(entryStart);
                            entry[0] = fourcc(stsd, entryStart + 4);
                            int end = Math.min(stsd.limit(), entryStart + Math.max(entrySize, 8));
                            ByteBuffer sampleEntry = stsd.duplicate().position(entryStart + 8).limit(end).slice();
                            codec[0] = codecString(entry[0], sampleEntry);
                            coded[0] = pictureSize(entry[0], sampleEntry);
                        }
                    }
                });
            }
        });
        int width = coded[0] != null ? coded[0][0] : dims[0];
        int height = coded[0] != null ? coded[0][1] : dims[1];
        return quarterTurn[0] ? new Track(handler[0], entry[0], codec[0], height, width)
                : new Track(handler[0], entry[0], codec[0], width, height);
    }

    /**
     * The decoded picture's {width, height} of an H.264 sample entry: from its SPS ({@link AvcPictureSize}), else the
     * sample entry's own width and height; null for other entries. Never the {@code tkhd} size, which a muxer or a
     * client may set to anything.
     */
    private int[] pictureSize(String entry, ByteBuffer sampleEntry) {
        if (!entry.equals("avc1") && !entry.equals("avc3")) {
            return null;
        }
        ByteBuffer avcC = childAfter(sampleEntry, 78, "avcC");
        int[] fromSps = avcC == null ? null : AvcPictureSize.fromAvcC(avcC);
        if (fromSps != null) {
            return fromSps;
        }
        if (sampleEntry.remaining() < 28) {
            return null;
        }
        // VisualSampleEntry: 8 bytes of SampleEntry, 16 reserved, then width and height (16 bits each).
        int width = sampleEntry.getShort(sampleEntry.position() + 24) & 0xffff;
        int height = sampleEntry.getShort(sampleEntry.position() + 26) & 0xffff;
        return width > 0 && height > 0 ? new int[] { width, height } : null;
    }

    /** RFC 6381 codec string from the sample entry's configuration box. */
    private String codecString(String entry, ByteBuffer sampleEntry) {
        switch (entry) {
            case "avc1", "avc3" -> {
                // VisualSampleEntry fields take 78 bytes before the child boxes.
                ByteBuffer avcC = childAfter(sampleEntry, 78, "avcC");
                if (avcC != null && avcC.remaining() >= 4) {
                    int p = avcC.position();
                    return String.format("%s.%02x%02x%02x", entry, avcC.get(p + 1), avcC.get(p + 2), avcC.get(p + 3));
                }
                return entry;
            }
            case "mp4a" -> {
                // AudioSampleEntry fields take 28 bytes before the child boxes.
                ByteBuffer esds = childAfter(sampleEntry, 28, "esds");
                return esds == null ? "mp4a" : mp4aCodec(esds);
            }
            default -> {
                return entry;
            }
        }
    }

    /** Walks the ES descriptor for the object type and, for AAC, the audio object type. */
    private static String mp4aCodec(ByteBuffer esds) {
        ByteBuffer b = esds.duplicate();
        b.position(b.position() + 4); // version and flags
        int oti = -1;
        while (b.remaining() >= 2) {
            int tag = b.get() & 0xff;
            int length = 0;
            for (int i = 0; i < 4 && b.hasRemaining(); i++) {
                int c = b.get() & 0xff;
                length = (length << 7) | (c & 0x7f);
                if ((c & 0x80) == 0) {
                    break;
                }
            }
            if (tag == 0x03) { // ES_Descriptor: ES_ID, flags, optional fields, then nested descriptors
                if (b.remaining() < 3) {
                    break;
                }
                b.getShort();
                int flags = b.get() & 0xff;
                if ((flags & 0x80) != 0) {
                    b.position(b.position() + 2);
                }
                if ((flags & 0x40) != 0 && b.hasRemaining()) {
                    b.position(b.position() + (b.get() & 0xff));
                }
                if ((flags & 0x20) != 0) {
                    b.position(b.position() + 2);
                }
            } else if (tag == 0x04) { // DecoderConfigDescriptor
                if (b.remaining() < 13) {
                    break;
                }
                oti = b.get() & 0xff;
                b.position(b.position() + 12);
            } else if (tag == 0x05) { // DecoderSpecificInfo: AudioSpecificConfig
                if (oti == 0x40 && length >= 1 && b.hasRemaining()) {
                    int aot = (b.get(b.position()) & 0xff) >>> 3;
                    if (aot == 31 && length >= 2) {
                        aot = 32 + (((b.get(b.position()) & 0x07) << 3) | ((b.get(b.position() + 1) & 0xe0) >>> 5));
                    }
                    return "mp4a.40." + aot;
                }
                break;
            } else {
                b.position(Math.min(b.limit(), b.position() + length));
            }
        }
        return oti < 0 ? "mp4a" : String.format("mp4a.%02X", oti);
    }

    private interface BoxVisitor {
        void visit(String type, ByteBuffer body);
    }

    private void forEachChild(ByteBuffer parent, BoxVisitor visitor) {
        int p = parent.position();
        int end = parent.limit();
        while (end - p >= 8) {
            count();
            long size = Integer.toUnsignedLong(parent.getInt(p));
            String type = fourcc(parent, p + 4);
            int header = 8;
            if (size == 1 && end - p >= 16) {
                size = parent.getLong(p + 8);
                header = 16;
            } else if (size == 0) {
                size = end - p;
            }
            if (size < header || p + size > end) {
                throw UnsupportedMediaException.unsupportedTracks(
                        "the track metadata is damaged: box '" + printable(type) + "' overruns its parent");
            }
            ByteBuffer body = parent.duplicate().position(p + header).limit((int) (p + size)).slice();
            visitor.visit(type, body);
            p += (int) size;
        }
    }

    private ByteBuffer find(ByteBuffer parent, String... path) {
        ByteBuffer current = parent;
        for (String name : path) {
            ByteBuffer[] found = { null };
            forEachChild(current, (type, body) -> {
                if (found[0] == null && type.equals(name)) {
                    found[0] = body;
                }
            });
            if (found[0] == null) {
                return null;
            }
            current = found[0];
        }
        return current;
    }

    private ByteBuffer childAfter(ByteBuffer sampleEntry, int skip, String name) {
        if (sampleEntry.remaining() <= skip) {
            return null;
        }
        return find(sampleEntry.duplicate().position(sampleEntry.position() + skip).slice(), name);
    }

    /** Returns {timescale, duration} of an mvhd or mdhd body. */
    private static long[] fullBoxTiming(ByteBuffer body) {
        int p = body.position();
        int version = body.get(p) & 0xff;
        if (version == 1 && body.remaining() >= 32) {
            return new long[] { Integer.toUnsignedLong(body.getInt(p + 20)), body.getLong(p + 24) };
        }
        if (body.remaining() >= 20) {
            return new long[] { Integer.toUnsignedLong(body.getInt(p + 12)), Integer.toUnsignedLong(body.getInt(p + 16)) };
        }
        return new long[] { 0, 0 };
    }

    private static ByteBuffer read(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                break;
            }
        }
        return buffer.flip();
    }

    private static String fourcc(ByteBuffer b, int index) {
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            bytes[i] = b.get(index + i);
        }
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static String printable(String fourcc) {
        return fourcc.chars().allMatch(c -> c >= 0x20 && c < 0x7f) ? fourcc : "?";
    }
}
