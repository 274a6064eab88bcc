package io.nbdtk.lab.check;

import io.nbdtk.lab.sys.CgroupFs;
import io.nbdtk.lab.sys.MemoryCgroup;
import io.nbdtk.lab.sys.Mount;
import io.nbdtk.lab.sys.MountTable;
import io.nbdtk.lab.sys.ProcFs;
import io.nbdtk.lab.sys.ProcessStat;
import io.nbdtk.lab.sys.SocketTable;
import io.nbdtk.lab.sys.SysBlock;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Builds the storage chain behind every writable mount and reports the chains that end at a
 * userland process on this machine (a FUSE daemon, or an NBD server reached over a local socket).
 * Reads only {@code ROOT/proc} and {@code ROOT/sys}; never stats a path on a mount, because a
 * stat on a hung FUSE mount would block this scanner too.
 */
public final class HazardScanner {
    private final ProcFs proc;
    private final SysBlock block;
    private final CgroupFs cgroups;
    private final MountTable mounts;
    private final SocketTable sockets;
    private final List<Remote> remotes = new ArrayList<>();
    private Map<Integer, Map<Integer, String>> fdsByPid;
    private Map<Long, Integer> socketOwner;

    public HazardScanner(Path root, String mountinfoPid) throws IOException {
        this.proc = new ProcFs(root);
        this.block = new SysBlock(root);
        this.cgroups = new CgroupFs(root, proc);
        this.mounts = MountTable.read(root.resolve("proc/" + mountinfoPid + "/mountinfo"));
        this.sockets = SocketTable.read(proc);
        this.sockets.addLocalAddresses(io.nbdtk.lab.sys.LocalAddresses.read(proc));
    }

    /** Writable mounts whose chain leaves this machine over TCP (filled by {@link #scan()}). */
    public List<Remote> remotes() {
        return remotes;
    }

    public SocketTable sockets() {
        return sockets;
    }

    public List<Finding> scan() {
        List<Finding> out = new ArrayList<>();
        remotes.clear();
        for (Mount m : mounts.mounts()) {
            if (m.writable()) {
                List<Link> path = new ArrayList<>();
                path.add(new Link("mount", m.mountPoint() + " (" + m.fsType() + ", rw)"));
                exploreMount(m, m.mountPoint(), path, new HashSet<>(), out);
            }
        }
        return out;
    }

    private void exploreMount(Mount m, String top, List<Link> path, Set<String> seen, List<Finding> out) {
        if (!seen.add("mount:" + m.id())) {
            return;
        }
        if (m.isFuse()) {
            List<Link> here = new ArrayList<>(path);
            here.add(new Link("fuse", "FUSE connection " + m.minor() + " at " + m.mountPoint()));
            List<Integer> daemons = fuseDaemons(m);
            if (daemons.isEmpty()) {
                here.add(new Link("process", "FUSE daemon not visible in this /proc (other pid namespace?)"));
                out.add(finding(top, here, List.of()));
            }
            for (int pid : daemons) {
                endpoint(top, here, pid, "fuse-daemon", out);
            }
        } else if (m.major() != 0) {
            block.nameOf(m.major(), m.minor()).ifPresent(name -> exploreBlock(name, top, path, seen, out));
        }
    }

    private void exploreBlock(String name, String top, List<Link> path, Set<String> seen, List<Finding> out) {
        if (!seen.add("block:" + name) || block.readOnly(name)) {
            return;
        }
        Optional<String> backing = block.loopBackingFile(name);
        if (backing.isPresent()) {
            String file = backing.get().endsWith(" (deleted)")
                    ? backing.get().substring(0, backing.get().length() - 10) : backing.get();
            List<Link> here = new ArrayList<>(path);
            here.add(new Link("loop", "/dev/" + name + (block.loopDirectIo(name) ? " (direct I/O)" : "")));
            here.add(new Link("file", file));
            mounts.mountOf(file).filter(Mount::writable)
                    .ifPresent(m -> exploreMount(m, top, withMount(here, m), seen, out));
            return;
        }
        if (name.startsWith("nbd")) {
            List<Link> here = new ArrayList<>(path);
            here.add(new Link("nbd", "/dev/" + name));
            block.nbdClientPid(name).ifPresent(pid -> {
                for (int server : localServers(pid)) {
                    endpoint(top, here, server, "nbd-server", out);
                }
                collectRemotes(top, pid);
            });
            return;
        }
        for (String slave : block.slaves(name)) {
            List<Link> here = new ArrayList<>(path);
            here.add(new Link(name.startsWith("md") ? "md" : "dm", "/dev/" + name));
            exploreBlock(slave, top, here, seen, out);
        }
    }

    private static List<Link> withMount(List<Link> path, Mount m) {
        List<Link> here = new ArrayList<>(path);
        here.add(new Link("mount", m.mountPoint() + " (" + m.fsType() + ")"));
        return here;
    }

    /** A local process at the end of the chain: report it and the local servers it talks to. */
    private void endpoint(String top, List<Link> path, int pid, String role, List<Finding> out) {
        List<Link> here = new ArrayList<>(path);
        here.add(processLink(pid, role));
        Set<Integer> chainPids = new LinkedHashSet<>();
        Map<Integer, String> roles = new HashMap<>();
        chainPids.add(pid);
        roles.put(pid, role);
        if (role.equals("fuse-daemon")) {
            collectRemotes(top, pid);
        }
        for (int server : role.equals("fuse-daemon") ? localServers(pid) : List.<Integer>of()) {
            if (chainPids.add(server)) {
                roles.put(server, "server");
                here.add(processLink(server, "server"));
            }
        }
        List<Protection> protections = new ArrayList<>();
        for (int p : chainPids) {
            protections.add(protection(p, roles.get(p), chainPids));
        }
        out.add(finding(top, here, protections));
    }

    private Finding finding(String top, List<Link> chain, List<Protection> protections) {
        boolean blockLayer = chain.stream().anyMatch(Link::isBlockLayer);
        return new Finding(top, blockLayer ? Finding.Severity.HIGH : Finding.Severity.MEDIUM, List.copyOf(chain),
                protections);
    }

    private Link processLink(int pid, String role) {
        return new Link("process", role + " " + proc.comm(pid) + " (pid " + pid + ")");
    }

    /**
     * The daemon of a FUSE connection: the holder of /dev/fuse whose fdinfo names the connection
     * (Linux 6.16+), else a /dev/fuse holder whose command line names the mount point.
     */
    List<Integer> fuseDaemons(Mount m) {
        Set<Integer> byConnection = new LinkedHashSet<>();
        Set<Integer> byCmdline = new LinkedHashSet<>();
        for (Map.Entry<Integer, Map<Integer, String>> e : fds().entrySet()) {
            int pid = e.getKey();
            for (Map.Entry<Integer, String> fd : e.getValue().entrySet()) {
                if (!fd.getValue().equals("/dev/fuse")) {
                    continue;
                }
                String info = proc.fdinfo(pid, fd.getKey()).orElse("");
                if (info.matches("(?s).*fuse_connection:\\s*" + m.minor() + "\\s.*")
                        || info.matches("(?s).*fuse_connection:\\s*" + m.minor())) {
                    byConnection.add(pid);
                } else if (!info.contains("fuse_connection:")
                        && proc.cmdline(pid).stream().anyMatch(a -> a.equals(m.mountPoint())
                                || a.startsWith(m.mountPoint() + "/"))) {
                    byCmdline.add(pid);
                }
            }
        }
        return new ArrayList<>(byConnection.isEmpty() ? byCmdline : byConnection);
    }

    /** Processes on this machine that {@code pid} is connected to over TCP or a named Unix socket. */
    List<Integer> localServers(int pid) {
        Set<Integer> out = new LinkedHashSet<>();
        List<String> cmdline = proc.cmdline(pid);
        boolean unixClient = false;
        for (long inode : proc.socketInodes(pid)) {
            Optional<SocketTable.Tcp> tcp = sockets.tcp(inode);
            if (tcp.isPresent() && tcp.get().established() && sockets.isLocal(tcp.get().remoteAddress())) {
                for (long server : sockets.tcpServerSides(tcp.get())) {
                    Integer owner = socketOwners().get(server);
                    if (owner != null && owner != pid) {
                        out.add(owner);
                    }
                }
            }
            Optional<SocketTable.Unix> unix = sockets.unix(inode);
            if (unix.isPresent() && !unix.get().listening() && unix.get().path().isEmpty()) {
                unixClient = true;
            }
        }
        if (unixClient) {
            // /proc/net/unix has no peer column: match listeners whose path the client was given
            for (String arg : cmdline) {
                for (String candidate : socketPathsIn(arg)) {
                    for (long listener : sockets.unixListeners(candidate)) {
                        Integer owner = socketOwners().get(listener);
                        if (owner != null && owner != pid) {
                            out.add(owner);
                        }
                    }
                }
            }
        }
        return new ArrayList<>(out);
    }

    /** Established TCP connections of {@code pid} to other machines: the chain continues there. */
    private void collectRemotes(String top, int pid) {
        for (long inode : proc.socketInodes(pid)) {
            sockets.tcp(inode).filter(t -> t.established() && !sockets.isLocal(t.remoteAddress()))
                    .ifPresent(t -> remotes.add(new Remote(top, t.remoteAddress().getHostAddress(), t.remotePort())));
        }
    }

    /** A plain path argument, or the {@code socket=} parameter of an NBD URI. */
    static List<String> socketPathsIn(String arg) {
        List<String> out = new ArrayList<>();
        if (arg.startsWith("/")) {
            out.add(arg);
        }
        int at = arg.indexOf("socket=");
        if (at >= 0) {
            String rest = arg.substring(at + 7);
            int end = rest.indexOf('&');
            out.add(end < 0 ? rest : rest.substring(0, end));
        }
        return out;
    }

    private Protection protection(int pid, String role, Set<Integer> chainPids) {
        Optional<MemoryCgroup> memcg = cgroups.memoryCgroupOf(pid);
        boolean isolated = memcg.map(c -> c.isRoot() || chainPids.containsAll(c.procs())).orElse(false);
        int threads = 0;
        int flushers = 0;
        for (int tid : proc.threads(pid)) {
            Optional<ProcessStat> st = proc.threadStat(pid, tid);
            if (st.isPresent()) {
                threads++;
                if (st.get().ioFlusher()) {
                    flushers++;
                }
            }
        }
        long locked = parseKb(proc.status(pid).getOrDefault("VmLck", "0 kB"));
        return new Protection(pid, proc.comm(pid), role, memcg, isolated, flushers, threads, locked);
    }

    private static long parseKb(String v) {
        try {
            return Long.parseLong(v.replace("kB", "").trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private Map<Integer, Map<Integer, String>> fds() {
        if (fdsByPid == null) {
            fdsByPid = new HashMap<>();
            for (int pid : proc.pids()) {
                fdsByPid.put(pid, proc.fds(pid));
            }
        }
        return fdsByPid;
    }

    private Map<Long, Integer> socketOwners() {
        if (socketOwner == null) {
            socketOwner = new HashMap<>();
            for (Map.Entry<Integer, Map<Integer, String>> e : fds().entrySet()) {
                for (String t : e.getValue().values()) {
                    if (t.startsWith("socket:[") && t.endsWith("]")) {
                        socketOwner.putIfAbsent(Long.parseLong(t.substring(8, t.length() - 1)), e.getKey());
                    }
                }
            }
        }
        return socketOwner;
    }
}
