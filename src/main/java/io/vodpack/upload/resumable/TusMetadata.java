package io.vodpack.upload.resumable;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import io.vodpack.core.error.ProblemException;

/** {@code Upload-Metadata: filename dHJhaWxlci5tcDQ=,filetype dmlkZW8vbXA0}: keys with base64 values. */
final class TusMetadata {

    private TusMetadata() {
    }

    static Map<String, String> parse(String header) {
        Map<String, String> values = new LinkedHashMap<>();
        if (header == null || header.isBlank()) {
            return values;
        }
        if (header.length() > 4096) {
            throw ProblemException.badRequest("malformed-metadata", "Upload-Metadata is longer than 4096 characters.");
        }
        for (String pair : header.split(",")) {
            String[] kv = pair.strip().split(" ", 2);
            if (kv[0].isEmpty()) {
                continue;
            }
            try {
                values.put(kv[0], kv.length == 2 ? new String(Base64.getDecoder().decode(kv[1].strip()), StandardCharsets.UTF_8) : "");
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest("malformed-metadata", "Upload-Metadata value of '" + kv[0] + "' is not base64.");
            }
        }
        return values;
    }
}
