package io.vodpack.core;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vodpack.support.Api;

/**
 * Endpoints other than uploads read their bodies into memory, so the bytes they receive are counted, chunked
 * bodies included, and stopped with 413 past vodpack.http.max-request-body (1 MiB).
 */
@QuarkusTest
class RequestSizeGuardTest {

    static final int TWO_MIB = 2 * 1024 * 1024;

    @TestHTTPResource("/")
    URL base;

    @Test
    void chunkedJsonBodyOverTheLimitGets413() throws Exception {
        HttpResponse<String> response = postChunked("/packaged_content", jsonPadding(TWO_MIB));
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.body()).contains("request-too-large");
    }

    @Test
    void chunkedLicenseRequestOverTheLimitGets413() throws Exception {
        HttpResponse<String> response = postChunked("/license/clearkey", jsonPadding(TWO_MIB));
        assertThat(response.statusCode()).isEqualTo(413);
    }

    @Test
    void dotSegmentsThroughTheUploadPathAreGuardedToo() throws Exception {
        // The raw path starts with /files; the route it reaches is /license/clearkey.
        String head = "POST /files/../license/clearkey HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + Api.AUTHORIZATION + "\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n";
        String status = rawChunked(head, TWO_MIB);
        assertThat(status).startsWith("HTTP/1.1 413");
    }

    @Test
    void smallChunkedJsonBodyStillReachesTheEndpoint() throws Exception {
        HttpResponse<String> response = postChunked("/packaged_content", "{\"input_content_id\": 987654321}");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).contains("987654321");
    }

    @Test
    void declaredLengthOverTheLimitIsRefusedBeforeReading() {
        given().contentType("application/json").body(new byte[TWO_MIB]).post("/packaged_content").then()
                .statusCode(413).contentType("application/problem+json").body("status", equalTo(413));
    }

    private HttpResponse<String> postChunked(String path, String body) throws IOException, InterruptedException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        // An InputStream publisher has no length, so the client sends the body chunked.
        HttpRequest request = HttpRequest.newBuilder(URI.create(base.toString()).resolve(path))
                .header("Content-Type", "application/json").header("Authorization", Api.AUTHORIZATION)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))).build();
        try {
            return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(request,
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IOException("the request failed instead of getting an answer: " + e, e);
        }
    }

    private String rawChunked(String head, int size) throws IOException {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            Arrays.fill(chunk, (byte) ' ');
            try {
                for (int sent = 0; sent < size; sent += chunk.length) {
                    out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException closedEarly) {
                // The service may close the connection once it has answered 413.
            }
            InputStream in = socket.getInputStream();
            byte[] answer = in.readNBytes(12);
            return new String(answer, StandardCharsets.US_ASCII);
        }
    }

    private static String jsonPadding(int size) {
        char[] spaces = new char[size];
        Arrays.fill(spaces, ' ');
        return "{\"input_content_id\": 1" + new String(spaces) + "}";
    }
}
