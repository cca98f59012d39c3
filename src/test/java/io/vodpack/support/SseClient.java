package io.vodpack.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A small Server-Sent Events client for tests: reads a stream on its own thread and hands out whole events. */
public final class SseClient implements AutoCloseable {

    /** One event as the wire carried it; {@link #END} marks the end of the stream. */
    public record Event(String id, String name, String data) {
    }

    public static final Event END = new Event(null, null, null);

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final Stream<String> lines;
    private final int status;

    private SseClient(HttpResponse<Stream<String>> response) {
        this.status = response.statusCode();
        this.lines = response.body();
        Thread reader = new Thread(this::read, "sse-client");
        reader.setDaemon(true);
        reader.start();
    }

    /** Opens {@code uri} with the given headers (e.g. Authorization, Last-Event-ID). */
    public static SseClient open(URI uri, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream");
        headers.forEach(request::header);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        return new SseClient(client.send(request.build(), HttpResponse.BodyHandlers.ofLines()));
    }

    public int status() {
        return status;
    }

    /** The next event, {@link #END} when the stream ended, or null when none came within {@code timeout}. */
    public Event next(Duration timeout) throws InterruptedException {
        return events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void read() {
        String id = null;
        String name = null;
        StringBuilder data = null;
        try {
            Iterator<String> it = lines.iterator();
            while (it.hasNext()) {
                String line = it.next();
                if (line.isEmpty()) {
                    if (data != null || name != null) {
                        events.add(new Event(id, name, data == null ? null : data.toString()));
                    }
                    name = null;
                    data = null;
                    continue;
                }
                String field = line.contains(":") ? line.substring(0, line.indexOf(':')) : line;
                String value = line.contains(":") ? line.substring(line.indexOf(':') + 1) : "";
                if (value.startsWith(" ")) {
                    value = value.substring(1);
                }
                switch (field) {
                    case "id" -> id = value;
                    case "event" -> name = value;
                    case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                    default -> {
                    }
                }
            }
        } catch (RuntimeException closed) {
            // the test closed the stream, or the connection dropped: the stream ends either way
        }
        events.add(END);
    }

    @Override
    public void close() {
        lines.close();
    }
}
