package org.policykg.neo4jserver;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilder;
import org.neo4j.harness.Neo4jBuilders;

/**
 * Starts a real Neo4j 5.26 (Community, in process, via neo4j-harness) for PolicyKG tests and demos.
 *
 * <p>Bolt listens on 127.0.0.1 only, HTTP/HTTPS are disabled, authentication is off. When Bolt
 * accepts connections, exactly one line {@code NEO4J READY bolt://127.0.0.1:PORT} is printed to
 * stdout; everything else goes to stderr. The server runs until stdin reaches end-of-file (unless
 * stdin is /dev/null or {@code --no-stdin} is given) or the JVM gets SIGTERM/SIGINT, and then
 * shuts Neo4j down cleanly.
 *
 * <pre>
 * Usage: Neo4jServer [--port N] [--data-dir DIR] [--no-stdin]
 *   --port N        Bolt port on 127.0.0.1 (default 7687; 0 picks a free port)
 *   --data-dir DIR  keep the database in DIR/data (survives restarts); default: a temp dir
 *                   that is deleted on shutdown
 *   --no-stdin      do not stop when stdin is closed (only on SIGTERM/SIGINT)
 * </pre>
 */
public final class Neo4jServer {
    private static final String READY_PREFIX = "NEO4J READY ";
    private static final long READY_TIMEOUT_MS = 60_000;

    private static final long START_WAIT_ON_SHUTDOWN_S = 120;

    private static final Object LOCK = new Object();
    /** Counted down once build() has returned or failed. */
    private static final CountDownLatch STARTED = new CountDownLatch(1);
    private static Neo4j neo4j;
    private static boolean closed;
    private static Path runTmpDir;

    private Neo4jServer() {}

    public static void main(String[] args) {
        // Keep stdout for the READY line only: anything a library prints goes to stderr.
        PrintStream stdout = System.out;
        System.setOut(System.err);
        adoptTempDir();
        Runtime.getRuntime().addShutdownHook(new Thread(Neo4jServer::shutdown, "neo4j-server-shutdown"));

        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            STARTED.countDown(); // nothing to wait for in the shutdown hook
            System.err.println("neo4j-server: " + e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        if (options.help) {
            STARTED.countDown();
            System.err.println(Options.USAGE);
            return;
        }

        long t0 = System.nanoTime();
        int port;
        try {
            Neo4j started = build(options);
            synchronized (LOCK) {
                neo4j = started;
            }
            STARTED.countDown();
            port = started.boltURI().getPort();
            waitForBolt(port);
        } catch (Throwable e) {
            STARTED.countDown();
            System.err.println("neo4j-server: failed to start Neo4j: " + e);
            e.printStackTrace(System.err);
            System.exit(1); // the shutdown hook closes whatever was started
            return;
        }
        synchronized (LOCK) {
            if (closed) { // SIGTERM/SIGINT arrived while starting: the hook is shutting down
                return;
            }
        }

        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.err.printf("neo4j-server: Neo4j %s started in %d ms%n", neo4jVersion(), ms);
        stdout.println(READY_PREFIX + "bolt://127.0.0.1:" + port);
        stdout.flush();

        CountDownLatch stop = new CountDownLatch(1);
        if (options.watchStdin && !stdinIsDevNull()) {
            Thread watcher = new Thread(() -> {
                try {
                    InputStream in = System.in;
                    byte[] buf = new byte[256];
                    while (in.read(buf) >= 0) {
                        // discard input; only end-of-file matters
                    }
                } catch (IOException ignored) {
                    // treat a broken stdin like a closed one
                }
                System.err.println("neo4j-server: stdin closed, shutting down");
                stop.countDown();
            }, "neo4j-server-stdin");
            watcher.setDaemon(true);
            watcher.start();
        }
        try {
            stop.await(); // signals are handled by the shutdown hook, which ends the JVM
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.exit(0); // runs the shutdown hook
    }

    private static Neo4j build(Options options) throws IOException {
        Neo4jBuilder builder;
        if (options.dataDir != null) {
            Path root = options.dataDir.toAbsolutePath();
            Files.createDirectories(root);
            // The harness keeps its scratch files (logs, certificates) in a random sub-folder of
            // root that it deletes on close; the store itself goes to root/data and is kept.
            builder = Neo4jBuilders.newInProcessBuilder(root)
                    .withConfig(GraphDatabaseSettings.data_directory, root.resolve("data"));
        } else {
            builder = Neo4jBuilders.newInProcessBuilder(); // java.io.tmpdir, deleted on close
        }
        return builder
                .withDisabledServer() // no HTTP/HTTPS connectors
                .withConfig(HttpConnector.enabled, false)
                .withConfig(HttpsConnector.enabled, false)
                .withConfig(HttpConnector.listen_address, new SocketAddress("127.0.0.1", 0))
                .withConfig(BoltConnector.enabled, true)
                .withConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", options.port))
                .withConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", options.port))
                .withConfig(GraphDatabaseSettings.auth_enabled, false)
                // No anonymous usage reports: this machine may only talk to itself.
                .withConfig(GraphDatabaseSettings.udc_enabled, false)
                .withConfig(GraphDatabaseInternalSettings.udc_network_enabled, false)
                // Bolt's Netty event loops otherwise wait a 5 s quiet period each on shutdown.
                .withConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .withConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(5))
                .build();
    }

    /** Waits until a Bolt handshake on 127.0.0.1:port succeeds. */
    private static void waitForBolt(int port) throws Exception {
        long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
        Exception last = null;
        while (System.currentTimeMillis() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                socket.setSoTimeout(5000);
                OutputStream out = socket.getOutputStream();
                // Bolt magic, then four proposed versions: 5.0-5.4, 4.4, none, none.
                out.write(new byte[] {
                    (byte) 0x60, (byte) 0x60, (byte) 0xB0, 0x17,
                    0, 4, 4, 5,
                    0, 0, 4, 4,
                    0, 0, 0, 0,
                    0, 0, 0, 0,
                });
                out.flush();
                byte[] agreed = new byte[4];
                new DataInputStream(socket.getInputStream()).readFully(agreed);
                if (agreed[2] != 0 || agreed[3] != 0) {
                    return;
                }
                last = new IOException("Bolt server agreed on no protocol version");
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("Bolt did not accept connections on port " + port, last);
    }

    /**
     * Neo4j leaves temp files behind (e.g. a log4j-*.xml config per start). start.sh therefore
     * runs the JVM with -Djava.io.tmpdir set to a fresh directory and
     * -Dneo4jserver.deleteTmpDir=true, and that directory is removed on shutdown. (Setting
     * java.io.tmpdir from main() is too late: the JDK caches it at boot.)
     */
    private static void adoptTempDir() {
        if (Boolean.getBoolean("neo4jserver.deleteTmpDir")) {
            runTmpDir = Paths.get(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        }
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException | RuntimeException ignored) {
            // best effort
        }
    }

    /** Closes Neo4j (once) and removes the temp dir; called by the shutdown hook. */
    private static void shutdown() {
        synchronized (LOCK) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            // A signal during startup: let the start finish so that Neo4j can be closed cleanly.
            if (!STARTED.await(START_WAIT_ON_SHUTDOWN_S, TimeUnit.SECONDS)) {
                System.err.println("neo4j-server: startup did not finish, exiting anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Neo4j toClose;
        synchronized (LOCK) {
            toClose = neo4j;
        }
        if (toClose != null) {
            System.err.println("neo4j-server: shutting down Neo4j");
            try {
                toClose.close();
                System.err.println("neo4j-server: stopped");
            } catch (Throwable e) {
                System.err.println("neo4j-server: error during shutdown: " + e);
            }
        }
        deleteRecursively(runTmpDir);
    }

    private static boolean stdinIsDevNull() {
        try {
            Path target = Paths.get("/proc/self/fd/0").toRealPath();
            return target.toString().equals("/dev/null");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static String neo4jVersion() {
        Package p = Neo4jBuilders.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v == null ? "5.26" : v;
    }

    /** Parsed command line. */
    private static final class Options {
        static final String USAGE = "usage: start.sh [--port N] [--data-dir DIR] [--no-stdin]\n"
                + "  --port N        Bolt port on 127.0.0.1 (default 7687; 0 = pick a free port)\n"
                + "  --data-dir DIR  keep the database in DIR/data (default: temp dir, deleted on exit)\n"
                + "  --no-stdin      do not stop when stdin is closed; stop on SIGTERM/SIGINT only";

        int port = 7687;
        Path dataDir;
        boolean watchStdin = true;
        boolean help;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String value = null;
                int eq = a.indexOf('=');
                if (a.startsWith("--") && eq > 0) {
                    value = a.substring(eq + 1);
                    a = a.substring(0, eq);
                }
                switch (a) {
                    case "--port":
                        if (value == null) {
                            value = next(args, ++i, a);
                        }
                        try {
                            o.port = Integer.parseInt(value);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("--port needs a number, got '" + value + "'");
                        }
                        if (o.port < 0 || o.port > 65535) {
                            throw new IllegalArgumentException("--port out of range: " + o.port);
                        }
                        break;
                    case "--data-dir":
                        if (value == null) {
                            value = next(args, ++i, a);
                        }
                        o.dataDir = Paths.get(value);
                        break;
                    case "--no-stdin":
                        o.watchStdin = false;
                        break;
                    case "-h":
                    case "--help":
                        o.help = true;
                        break;
                    default:
                        throw new IllegalArgumentException("unknown argument: " + args[i]);
                }
            }
            return o;
        }

        private static String next(String[] args, int i, String name) {
            if (i >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            return args[i];
        }
    }
}
