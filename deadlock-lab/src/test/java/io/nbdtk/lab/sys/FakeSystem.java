package io.nbdtk.lab.sys;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A jimfs tree shaped like /proc and /sys, filled with lines captured from this machine (Linux
 * 6.18, nbdkit 1.32 + nbdfuse 1.14 + loop + ext4). Tests add only the parts they need.
 */
public final class FakeSystem {
    private final FileSystem fs = Jimfs.newFileSystem(Configuration.unix());
    private final Path root = fs.getPath("/");
    private final StringBuilder mountinfo = new StringBuilder(
            "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
            + "23 27 0:22 / /sys rw,relatime - sysfs sysfs rw\n"
            + "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n"
            + "28 27 0:25 / /mnt/tools ro,nosuid,nodev,relatime - tmpfs tools ro,size=4k,mode=755\n");
    private final StringBuilder unix = new StringBuilder(
            "Num       RefCount Protocol Flags    Type St Inode Path\n");
    private final StringBuilder tcp = new StringBuilder(
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");

    public FakeSystem() {
        write("sys/dev/block/.keep", "");
        link("sys/dev/block/254:0", "../../devices/pci0000:00/0000:00:02.0/virtio1/block/vda");
        write("sys/class/block/vda/ro", "0");
        write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712");
    }

    public Path root() {
        return root;
    }

    public FakeSystem mount(String line) {
        mountinfo.append(line).append('\n');
        return this;
    }

    /** A process with one thread, in v1 memcg {@code memcg}, with the given fds (fd -> target). */
    public FakeSystem process(int pid, String comm, List<String> cmdline, String memcg, String... fds) {
        String p = "proc/" + pid + "/";
        write(p + "comm", comm + "\n");
        write(p + "cmdline", String.join("\0", cmdline) + "\0");
        String stat = pid + " (" + comm + ") S 1 " + pid + " 4283 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 41146 3133440 362";
        write(p + "stat", stat);
        write(p + "task/" + pid + "/stat", stat);
        write(p + "status", "Name:\t" + comm + "\nVmLck:\t       0 kB\nCapEff:\t000001fffeffffff\n");
        write(p + "cgroup", "9:name=systemd:/\n4:memory:" + memcg + "\n0::/\n");
        for (int i = 0; i < fds.length; i += 2) {
            link(p + "fd/" + fds[i], fds[i + 1]);
            write(p + "fdinfo/" + fds[i], "pos:\t0\nflags:\t02004002\nmnt_id:\t10\nino:\t1\n");
        }
        String procs = read("sys/fs/cgroup/memory" + (memcg.equals("/") ? "" : memcg) + "/cgroup.procs");
        write("sys/fs/cgroup/memory" + (memcg.equals("/") ? "" : memcg) + "/cgroup.procs", procs + pid + "\n");
        return this;
    }

    public FakeSystem fdinfo(int pid, int fd, String text) {
        write("proc/" + pid + "/fdinfo/" + fd, text);
        return this;
    }

    public FakeSystem threadFlags(int pid, long flags) {
        String stat = read("proc/" + pid + "/task/" + pid + "/stat");
        String[] f = stat.split(" ");
        f[8] = Long.toString(flags);
        write("proc/" + pid + "/task/" + pid + "/stat", String.join(" ", f));
        return this;
    }

    public FakeSystem memcgLimit(String memcg, long bytes) {
        write("sys/fs/cgroup/memory" + memcg + "/memory.limit_in_bytes", Long.toString(bytes));
        return this;
    }

    public FakeSystem unixSocket(long inode, boolean listening, int state, String path) {
        unix.append(String.format("00000000d25076c4: 00000002 00000000 %08x 0001 %02x %d %s%n",
                listening ? 0x10000 : 0, state, inode, path));
        return this;
    }

    public FakeSystem tcpSocket(long inode, String local, String remote, String state) {
        tcp.append(String.format("   0: %s %s %s 00000000:00000000 00:00000000 00000000     0        0 %d 1 0000000000000000 100 0 0 10 0%n",
                local, remote, state, inode));
        return this;
    }

    public FakeSystem loop(String name, String majorMinor, String backingFile, boolean readOnly) {
        link("sys/dev/block/" + majorMinor, "../../devices/virtual/block/" + name);
        write("sys/class/block/" + name + "/ro", readOnly ? "1" : "0");
        write("sys/class/block/" + name + "/loop/backing_file", backingFile + "\n");
        write("sys/class/block/" + name + "/loop/dio", "0");
        return this;
    }

    public FakeSystem blockDevice(String name, String majorMinor, String... slaves) {
        link("sys/dev/block/" + majorMinor, "../../devices/virtual/block/" + name);
        write("sys/class/block/" + name + "/ro", "0");
        for (String s : slaves) {
            link("sys/class/block/" + name + "/slaves/" + s, "../../" + s);
        }
        return this;
    }

    public FakeSystem file(String path, String content) {
        write(path, content);
        return this;
    }

    /** Writes proc/self/mountinfo and proc/net; call after the last change. */
    public Path build() {
        write("proc/self/mountinfo", mountinfo.toString());
        write("proc/net/unix", unix.toString());
        write("proc/net/tcp", tcp.toString());
        return root;
    }

    private String read(String rel) {
        try {
            Path p = root.resolve(rel);
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void write(String rel, String content) {
        try {
            Path p = root.resolve(rel);
            Files.createDirectories(p.getParent());
            Files.writeString(p, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void link(String rel, String target) {
        try {
            Path p = root.resolve(rel);
            Files.createDirectories(p.getParent());
            Files.deleteIfExists(p);
            Files.createSymbolicLink(p, fs.getPath(target));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
