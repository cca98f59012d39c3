package io.vodpack.core.error;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.vodpack.core.http.RequestJson;

/** The words of a shape error name the JSON path the client wrote and the type it should have. */
class JsonBodyProblemsTest {

    record Request(List<String> kids, Long inputContentId, Nested nested) {
    }

    record Nested(boolean flag) {
    }

    private final ObjectMapper json = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    JsonBodyProblemsTest() {
        new RequestJson().customize(json);
    }

    @Test
    void nullInsideAnArrayNamesItsIndex() {
        assertThat(problem("{\"kids\":[\"a\", null]}").detail()).isEqualTo("'kids[1]' must be a string, not null.");
    }

    @Test
    void aStringWhereAnArrayBelongsNamesTheArray() {
        Problem problem = problem("{\"kids\":\"a\"}");
        assertThat(problem.detail()).isEqualTo("'kids' must be an array, not a string.");
        assertThat(problem.extensions()).containsEntry("field", "kids");
    }

    @Test
    void nestedFieldsAreNamedWithTheirPath() {
        assertThat(problem("{\"nested\":{\"flag\":[]}}").detail()).isEqualTo("'nested.flag' must be true or false, not an array.");
    }

    @Test
    void aFractionWhereAnIntegerBelongsIsRefused() {
        assertThat(problem("{\"input_content_id\":\"1.5x\"}").detail())
                .isEqualTo("'input_content_id' must be an integer, not \"1.5x\".");
    }

    @Test
    void brokenSyntaxSaysWhere() {
        Problem problem = problem("{\"kids\": [}");
        assertThat(problem.type().toString()).isEqualTo("urn:vodpack:problem:malformed-json");
        assertThat(problem.detail()).startsWith("The request body is not valid JSON: ").contains("(line 1, column 11)");
    }

    private Problem problem(String body) {
        JsonProcessingException failure = catchThrowableOfType(JsonProcessingException.class,
                () -> json.readValue(body, Request.class));
        Problem problem = JsonBodyProblems.of(failure, "/here");
        assertThat(problem.status()).isEqualTo(400);
        assertThat(problem.instance()).isEqualTo("/here");
        return problem;
    }
}
