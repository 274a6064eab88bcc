package io.nbdtk.server.os;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jnr.posix.CmsgHdr;
import jnr.posix.MsgHdr;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.SpawnFileAction;

/**
 * Mounting as an ordinary user: the setuid helper {@code fusermount3} (or libfuse 2's
 * {@code fusermount}) opens /dev/fuse, mounts, and passes the descriptor back over a Unix socket
 * named by {@code _FUSE_COMMFD} (SCM_RIGHTS). Java's ProcessBuilder closes every inherited
 * descriptor, so the helper is started with posix_spawnp: it inherits its end of the socket pair
 * (created without close-on-exec) under the same number, and our end is closed in it.
 */
public final class Fusermount {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;

    private Fusermount() {}

    /** fusermount3 if installed, else fusermount (both speak _FUSE_COMMFD). */
    public static String helper() {
        for (String c : new String[] {"/usr/bin/fusermount3", "/bin/fusermount3", "/usr/bin/fusermount", "/bin/fusermount"}) {
            if (java.nio.file.Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        return "fusermount3";
    }

    /**
     * Mounts {@code mountPoint} with {@code options} (fusermount's -o list); returns the /dev/fuse
     * descriptor of the new connection, which the caller owns.
     */
    public static int mount(Path mountPoint, String options, Duration timeout) throws IOException {
        POSIX posix = POSIXFactory.getNativePOSIX();
        int[] pair = new int[2];
        if (posix.socketpair(AF_UNIX, SOCK_STREAM, 0, pair) < 0) {
            throw new IOException("socketpair failed: errno " + posix.errno());
        }
        String helper = helper();
        List<String> env = new ArrayList<>();
        for (Map.Entry<String, String> e : System.getenv().entrySet()) {
            if (!e.getKey().equals("_FUSE_COMMFD")) {
                env.add(e.getKey() + "=" + e.getValue());
            }
        }
        env.add("_FUSE_COMMFD=" + pair[1]);
        List<String> argv = List.of(helper, "-o", options, "--", mountPoint.toString());
        long pid = -1;
        try {
            pid = posix.posix_spawnp(helper, List.of(SpawnFileAction.close(pair[0])), argv, env);
            if (pid <= 0) {
                throw new IOException("could not start " + helper + ": errno " + posix.errno());
            }
            posix.close(pair[1]);
            pair[1] = -1;
            int fd = receiveFd(posix, pair[0], timeout);
            int status = awaitExit(posix, pid, timeout);
            if (fd < 0) {
                throw new IOException(helper + " did not mount " + mountPoint + " (exit status " + status
                        + "; its message is above)");
            }
            return fd;
        } catch (TimeoutException e) {
            posix.kill(pid, 9);
            awaitExit(posix, pid, Duration.ofSeconds(5));
            throw new IOException(helper + " did not answer within " + timeout);
        } finally {
            posix.close(pair[0]);
            if (pair[1] >= 0) {
                posix.close(pair[1]);
            }
        }
    }

    /** The descriptor the helper sends, or -1 when it closed the socket without one (it failed). */
    private static int receiveFd(POSIX posix, int socket, Duration timeout) throws IOException, TimeoutException {
        CompletableFuture<Integer> got = CompletableFuture.supplyAsync(() -> {
            MsgHdr msg = posix.allocateMsgHdr();
            msg.setIov(new ByteBuffer[] {ByteBuffer.allocateDirect(1)});
            msg.allocateControl(4);
            int n = posix.recvmsg(socket, msg, 0);
            if (n <= 0) {
                return -1;
            }
            for (CmsgHdr c : msg.getControls()) {
                if (c.getLevel() == SOL_SOCKET && c.getType() == SCM_RIGHTS) {
                    return c.getData().order(ByteOrder.nativeOrder()).getInt(0);
                }
            }
            return -1;
        });
        try {
            return got.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException("receiving /dev/fuse from fusermount failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while mounting");
        }
    }

    /** Reaps the helper, bounded; returns its exit status (or -1 if it did not end in time). */
    private static int awaitExit(POSIX posix, long pid, Duration timeout) {
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
            int[] status = new int[1];
            return posix.waitpid(pid, status, 0) == pid ? (status[0] >> 8) & 0xff : -1;
        });
        try {
            return exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
