package io.vodpack.upload.ingest;

/** Client file names are kept as metadata only; this strips what could make them look like a path. */
final class FileNames {

    private FileNames() {
    }

    static String sanitize(String name) {
        if (name == null) {
            return null;
        }
        String base = name.replace('\\', '/');
        base = base.substring(base.lastIndexOf('/') + 1);
        StringBuilder clean = new StringBuilder();
        base.codePoints().filter(c -> !Character.isISOControl(c)).forEach(clean::appendCodePoint);
        String result = clean.toString().strip();
        if (result.isEmpty() || result.equals(".") || result.equals("..")) {
            return null;
        }
        return result.length() > 255 ? result.substring(0, 255) : result;
    }
}
