package io.vodpack.packaging.events;

/**
 * What a client has seen of a job: its status and progress. Its {@link #eventId()} ({@code RUNNING-40}) names an
 * event of the job's stream, so a {@code Last-Event-ID} says where a reconnecting client left off.
 */
public record JobState(String status, int progress) {

    public String eventId() {
        return status + "-" + progress;
    }

    /** The state an event id names, or null for an id this service never wrote. */
    public static JobState ofEventId(String eventId) {
        if (eventId == null) {
            return null;
        }
        int dash = eventId.lastIndexOf('-');
        if (dash <= 0) {
            return null;
        }
        try {
            return new JobState(eventId.substring(0, dash), Integer.parseInt(eventId.substring(dash + 1)));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
