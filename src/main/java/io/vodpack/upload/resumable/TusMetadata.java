package io.vodpack.upload.resumable;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import io.vodpack.core.error.ProblemException;

/**
 * {@code Upload-Metadata: filename dHJhaWxlci5tcDQ=,filetype dmlkZW8vbXA0}: keys with base64 values. Checked in full
 * before an upload is created: the values that are stored ({@code filename}, {@code filetype}) must be UTF-8 text
 * without control characters and fit their columns.
 */
final class TusMetadata {

    static final int MAX_HEADER = 4096;
    static final int MAX_FILENAME = 255;
    static final int MAX_FILETYPE = 128;

    private TusMetadata() {
    }

    /** The decoded pairs; 400 when the header or a stored value is malformed. */
    static Map<String, String> parse(String header) {
        Map<String, String> values = new LinkedHashMap<>();
        if (header == null || header.isBlank()) {
            return values;
        }
        if (header.length() > MAX_HEADER) {
            throw malformed("Upload-Metadata is longer than " + MAX_HEADER + " characters.");
        }
        for (String pair : header.split(",")) {
            String[] kv = pair.strip().split(" ", 2);
            if (kv[0].isEmpty()) {
                continue;
            }
            values.put(kv[0], kv.length == 2 ? decode(kv[0], kv[1].strip()) : "");
        }
        requireText(values, "filename", MAX_FILENAME);
        requireText(values, "filetype", MAX_FILETYPE);
        return values;
    }

    private static String decode(String key, String base64) {
        try {
            byte[] bytes = Base64.getDecoder().decode(base64);
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (IllegalArgumentException e) {
            throw malformed("Upload-Metadata value of '" + key + "' is not base64.");
        } catch (CharacterCodingException e) {
            throw malformed("Upload-Metadata value of '" + key + "' is not UTF-8 text.");
        }
    }

    private static void requireText(Map<String, String> values, String key, int maxLength) {
        String value = values.get(key);
        if (value == null) {
            return;
        }
        if (value.codePointCount(0, value.length()) > maxLength) {
            throw malformed("Upload-Metadata " + key + " is longer than " + maxLength + " characters.");
        }
        if (value.codePoints().anyMatch(Character::isISOControl)) {
            throw malformed("Upload-Metadata " + key + " contains control characters (such as NUL or a line break).");
        }
    }

    private static ProblemException malformed(String detail) {
        return ProblemException.badRequest("malformed-metadata", detail);
    }
}
