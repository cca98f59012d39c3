package io.vodpack.packaging.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs one engine command line: arguments as a list (never a shell), output to a log file in the
 * work folder, a deadline after which the whole process tree is killed. Blocking: runs on the
 * packaging worker pool.
 */
public final class EngineProcess {

    private static final int TAIL_LINES = 15;

    /** How often {@code whileRunning} is called while the engine runs. */
    static final Duration TICK = Duration.ofMillis(40);

    private EngineProcess() {
    }

    /** How a run ended. {@code tail} holds the engine's last output lines, secrets removed. */
    public record Outcome(int exitCode, boolean timedOut, String tail) {
        public boolean succeeded() {
            return !timedOut && exitCode == 0;
        }
    }

    /**
     * @param onStart receives the process so that a cancellation can kill it
     * @param whileRunning called on this thread every {@link #TICK} while the process runs (work that overlaps with it)
     * @param secrets strings (keys) to blank out of the captured output
     */
    public static Outcome run(List<String> command, Path workDir, Duration timeout, Consumer<Process> onStart,
            Runnable whileRunning, List<String> secrets) throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        Path log = workDir.resolve("engine.log");
        Process process = new ProcessBuilder(diesWithService(command)).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        onStart.accept(process);
        boolean exited;
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            exited = false;
            long left;
            while (!exited && (left = deadline - System.nanoTime()) > 0) {
                exited = process.waitFor(Math.min(left, TICK.toNanos()), TimeUnit.NANOSECONDS);
                if (!exited) {
                    whileRunning.run();
                }
            }
        } catch (InterruptedException e) {
            killTree(process);
            throw e;
        }
        if (!exited) {
            killTree(process);
        }
        return new Outcome(exited ? process.exitValue() : -1, !exited, tail(log, secrets));
    }

    /**
     * The command wrapped so that it dies with this JVM, even on {@code kill -9}: {@code setpriv --pdeathsig TERM}
     * (util-linux) makes the kernel signal the wrapper when its parent dies; {@code setsid} puts the wrapper in a
     * process group of its own; the wrapper shell runs the engine in that group and, on TERM, kills the whole group
     * (the engine and anything it started). The shell first checks that its parent is still this JVM, so a JVM that
     * died before the signal was armed is noticed too. The engine's arguments pass through as {@code "$@"}: no shell
     * ever parses them. Where setpriv or setsid is missing (not Linux), the command runs unwrapped.
     */
    static List<String> diesWithService(List<String> command) {
        if (!WRAPPER_AVAILABLE) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of(SETPRIV, "--pdeathsig", "TERM", "--", SETSID, "/bin/sh", "-c",
                "[ \"$PPID\" = \"$1\" ] || exit 137; shift; trap 'kill -KILL 0' TERM; \"$@\" & wait $!",
                "vodpack-engine", Long.toString(ProcessHandle.current().pid())));
        wrapped.addAll(command);
        return wrapped;
    }

    private static final String SETPRIV = "/usr/bin/setpriv";
    private static final String SETSID = "/usr/bin/setsid";
    private static final boolean WRAPPER_AVAILABLE = Files.isExecutable(Path.of(SETPRIV)) && Files.isExecutable(Path.of(SETSID))
            && Files.isExecutable(Path.of("/bin/sh"));

    /** Kills the process and everything it started; returns once the process is gone. */
    public static void killTree(Process process) {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        tree.add(process.toHandle());
        for (ProcessHandle handle : tree) {
            try {
                handle.onExit().get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // Gone or stuck in the kernel: nothing more a signal can do.
            }
        }
    }

    static String tail(Path log, List<String> secrets) {
        try {
            List<String> lines = Files.readAllLines(log, java.nio.charset.StandardCharsets.ISO_8859_1);
            List<String> last = new ArrayList<>(lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
            String text = String.join("\n", last).strip();
            for (String secret : secrets) {
                text = text.replace(secret, "<redacted>").replace(secret.toUpperCase(), "<redacted>");
            }
            return text;
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * An executable given as a relative path is made absolute (engines run in their work folder);
     * a bare name is left to the PATH.
     */
    public static String executable(String configured) {
        return configured.contains("/") ? Path.of(configured).toAbsolutePath().normalize().toString() : configured;
    }

    /** The last non-empty line of the tail: usually the engine's own error message. */
    public static String lastLine(String tail) {
        String[] lines = tail.split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (!lines[i].isBlank()) {
                return lines[i].strip();
            }
        }
        return "";
    }
}
