package io.nbdtk.lab.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Block devices as {@code ROOT/sys} shows them: names, loop backing files, stacked slaves, nbd clients. */
public final class SysBlock {
    private final Path sys;

    public SysBlock(Path root) {
        this.sys = root.resolve("sys");
    }

    /** Kernel name ({@code loop0}, {@code dm-1}, {@code vda}) of device {@code major:minor}. */
    public Optional<String> nameOf(int major, int minor) {
        Path link = sys.resolve("dev/block/" + major + ":" + minor);
        try {
            return Optional.of(Files.readSymbolicLink(link).getFileName().toString());
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    private Path dir(String name) {
        return sys.resolve("class/block/" + name);
    }

    /** The file behind a loop device, as the kernel recorded it (may end in " (deleted)"). */
    public Optional<String> loopBackingFile(String name) {
        return text(dir(name).resolve("loop/backing_file"));
    }

    public boolean loopDirectIo(String name) {
        return text(dir(name).resolve("loop/dio")).map("1"::equals).orElse(false);
    }

    public boolean readOnly(String name) {
        return text(dir(name).resolve("ro")).map("1"::equals).orElse(false);
    }

    /** Devices this one is stacked on (device mapper, md RAID). */
    public List<String> slaves(String name) {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir(name).resolve("slaves"))) {
            for (Path p : ds) {
                out.add(p.getFileName().toString());
            }
        } catch (IOException e) {
            return List.of();
        }
        out.sort(null);
        return out;
    }

    /** PID of the task that configured a kernel nbd device, when it is connected. */
    public Optional<Integer> nbdClientPid(String name) {
        return text(dir(name).resolve("pid")).flatMap(s -> {
            try {
                return Optional.of(Integer.parseInt(s));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    public List<String> loopDevices() {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(sys.resolve("class/block"), "loop*")) {
            for (Path p : ds) {
                out.add(p.getFileName().toString());
            }
        } catch (IOException e) {
            return List.of();
        }
        out.sort(null);
        return out;
    }

    private static Optional<String> text(Path p) {
        try {
            return Optional.of(new String(Files.readAllBytes(p), StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
