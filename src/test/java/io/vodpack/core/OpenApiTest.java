package io.vodpack.core;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** Every endpoint, with its status codes, is in the OpenAPI document that Swagger UI shows. */
@QuarkusTest
class OpenApiTest {

    @Test
    void documentListsEveryEndpointAndItsStatusCodes() {
        Map<String, Object> paths = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .extract().jsonPath().getMap("paths");
        assertThat(paths).containsKeys("/upload_input_content", "/input_content", "/input_content/{id}", "/packaged_content",
                "/packaged_content/{id}", "/license/clearkey", "/license/clearkey/{id}", "/files", "/files/{id}",
                "/content/{packaged_content_id}/{file}", "/player/{packaged_content_id}");
        Map<String, Object> get = given().queryParam("format", "json").get("/q/openapi").then().extract().jsonPath()
                .getMap("paths.'/packaged_content/{id}'.get.responses");
        assertThat(get).containsKeys("200", "202", "404", "409");
        given().get("/q/swagger-ui/").then().statusCode(200);
    }
}
