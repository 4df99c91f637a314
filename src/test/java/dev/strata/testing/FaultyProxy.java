package dev.strata.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on loopback in front of the test S3 server that injects faults per
 * connection: pass through, answer 503 SlowDown, reset the connection, or delay it.
 */
public final class FaultyProxy implements AutoCloseable {
    /**
     * PASS forwards; ERROR_503 answers 503 SlowDown; RESET resets the connection; SLOW forwards
     * after 300 ms; HANG accepts and answers nothing until the mode changes, then drops the
     * connection (a black hole: the client's timeouts, or the drop, end the request).
     */
    public enum Mode { PASS, ERROR_503, RESET, SLOW, HANG }

    private final ServerSocket server;
    private final InetSocketAddress target;
    private volatile Mode mode = Mode.PASS;
    private final AtomicInteger faults = new AtomicInteger();

    public FaultyProxy(URI target) throws IOException {
        this.target = new InetSocketAddress(target.getHost(), target.getPort());
        this.server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::acceptLoop);
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** Switches the fault; open connections are dropped so the next request meets it. */
    public void mode(Mode m) {
        mode = m;
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private final java.util.Set<Socket> open = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public int faults() {
        return faults.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread.ofVirtual().start(() -> handle(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void handle(Socket client) {
        open.add(client);
        try (client) {
            Mode m = mode;
            switch (m) {
                case RESET -> {
                    faults.incrementAndGet();
                    client.setSoLinger(true, 0);
                    return;
                }
                case ERROR_503 -> {
                    faults.incrementAndGet();
                    readHead(client.getInputStream());
                    String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
                            + "<Message>injected</Message></Error>";
                    client.getOutputStream().write(("HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\n"
                            + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body)
                            .getBytes(StandardCharsets.US_ASCII));
                    client.getOutputStream().flush();
                    return;
                }
                case SLOW -> {
                    faults.incrementAndGet();
                    Thread.sleep(300);
                }
                case HANG -> {
                    faults.incrementAndGet();
                    while (mode == Mode.HANG && !client.isClosed()) Thread.sleep(100);
                    client.setSoLinger(true, 0);
                    return;
                }
                case PASS -> { }
            }
            try (Socket upstream = new Socket(target.getAddress(), target.getPort())) {
                Thread back = Thread.ofVirtual().start(() -> pump(upstream, client));
                pump(client, upstream);
                back.join();
            }
        } catch (IOException | InterruptedException e) {
            // a broken connection is part of the game
        } finally {
            open.remove(client);
        }
    }

    private static void readHead(InputStream in) throws IOException {
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) return;
            state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
    }

    private static void pump(Socket from, Socket to) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            try {
                to.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
