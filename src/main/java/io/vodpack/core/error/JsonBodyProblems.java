package io.vodpack.core.error;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

/**
 * Words for a request body Jackson could not read: which field (as a JSON path such as {@code kids[0]}) and
 * what type it should have, so that someone typing a body by hand can fix it without reading the code.
 */
final class JsonBodyProblems {

    private static final Pattern FOUND = Pattern.compile("from (Array|Object|String|Integer|Floating-point|Number|Boolean|Null) value");
    /** Jackson appends where the broken input began, with a redacted source; the line and column say it better. */
    private static final Pattern SOURCE = Pattern.compile("\\s*\\(for [^\\n]*\\[Source:.*$", Pattern.DOTALL);

    private JsonBodyProblems() {
    }

    static Problem of(JsonProcessingException failure, String instance) {
        String path = failure instanceof JsonMappingException mapping ? path(mapping) : "";
        String where = path.isEmpty() ? "The request body" : "'" + path + "'";
        String detail;
        String slug;
        if (failure instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            slug = "invalid-json-type";
            String expected = jsonType(mismatch.getTargetType());
            String found = found(mismatch);
            detail = found == null
                    ? where + " must be " + expected + "."
                    : where + " must be " + expected + ", not " + found + ".";
        } else if (syntaxError(failure) instanceof StreamReadException syntax) {
            slug = "malformed-json";
            detail = "The request body is not valid JSON: "
                    + SOURCE.matcher(syntax.getOriginalMessage()).replaceFirst("") + at(syntax.getLocation());
        } else {
            slug = "invalid-json-type";
            detail = where + " cannot be read: " + failure.getOriginalMessage();
        }
        return new Problem(ProblemMapper.type(slug), "Bad request", 400, detail, instance,
                path.isEmpty() ? null : Map.of("field", path));
    }

    /** A syntax error inside a list or record reaches us wrapped in a mapping error. */
    private static Throwable syntaxError(JsonProcessingException failure) {
        return failure instanceof StreamReadException ? failure : failure.getCause();
    }

    /** {@code kids[0]}, {@code kid}; the names are the JSON names, as the client wrote them. */
    private static String path(JsonMappingException failure) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : failure.getPath()) {
            if (ref.getFieldName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String jsonType(Class<?> type) {
        if (CharSequence.class.isAssignableFrom(type) || type == Character.class || type == char.class
                || type.isEnum() || type == java.util.UUID.class || type == java.net.URI.class) {
            return "a string";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class
                || type == Short.class || type == short.class || type == Byte.class || type == byte.class
                || type == BigInteger.class) {
            return "an integer";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class || type == BigDecimal.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        return "an object";
    }

    /** What the client sent instead, when Jackson's words still say. */
    private static String found(MismatchedInputException failure) {
        if (failure instanceof InvalidNullException) {
            return "null";
        }
        if (failure instanceof InvalidFormatException format && format.getValue() instanceof String text) {
            return "\"" + text + "\"";
        }
        // Parsing records buffers their fields, so the parser has moved on; Jackson's message names what it met.
        Matcher met = FOUND.matcher(String.valueOf(failure.getOriginalMessage()));
        if (!met.find()) {
            return null;
        }
        return switch (met.group(1)) {
            case "Array" -> "an array";
            case "Object" -> "an object";
            case "String" -> "a string";
            case "Integer", "Floating-point", "Number" -> "a number";
            case "Boolean" -> "true or false";
            default -> "null";
        };
    }

    private static String at(JsonLocation location) {
        if (location == null || location.getLineNr() < 0) {
            return ".";
        }
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ").";
    }
}
