package io.vodpack.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on a free loopback port in front of a server, which passes what the client sends at most
 * {@code bytesPerSecond} (what the server sends back passes at full speed): a slow uplink, e.g. to a bucket, so that
 * a test can stop a process in the middle of its uploads.
 */
public final class ThrottlingProxy implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final long bytesPerSecond;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    private ThrottlingProxy(URI target, long bytesPerSecond) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.target = new InetSocketAddress(target.getHost(), target.getPort());
        this.bytesPerSecond = bytesPerSecond;
    }

    public static ThrottlingProxy start(URI target, long bytesPerSecond) throws IOException {
        ThrottlingProxy proxy = new ThrottlingProxy(target, bytesPerSecond);
        Thread accept = new Thread(proxy::acceptLoop, "throttling-proxy-" + proxy.server.getLocalPort());
        accept.setDaemon(true);
        accept.start();
        return proxy;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                sockets.add(client);
                sockets.add(upstream);
                pipe(client.getInputStream(), upstream.getOutputStream(), bytesPerSecond, client, upstream);
                pipe(upstream.getInputStream(), client.getOutputStream(), 0, client, upstream);
            } catch (IOException e) {
                // closed, or the server is gone: the client sees its connection fail
            }
        }
    }

    private static void pipe(InputStream in, OutputStream out, long bytesPerSecond, Socket a, Socket b) {
        Thread copy = new Thread(() -> {
            byte[] buffer = new byte[bytesPerSecond > 0 ? (int) Math.max(1024, Math.min(16384, bytesPerSecond / 10)) : 65536];
            long started = System.nanoTime();
            long sent = 0;
            try {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                    sent += n;
                    if (bytesPerSecond > 0) {
                        long due = started + sent * 1_000_000_000L / bytesPerSecond;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                    }
                }
            } catch (IOException | InterruptedException e) {
                // one side closed
            } finally {
                closeQuietly(a);
                closeQuietly(b);
            }
        }, "throttling-proxy-pipe");
        copy.setDaemon(true);
        copy.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        sockets.forEach(ThrottlingProxy::closeQuietly);
    }
}
