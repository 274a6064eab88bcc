package io.nbdtk.fuse;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import io.nbdtk.fuse.kernel.Attr;
import io.nbdtk.fuse.kernel.FuseProtocol;
import io.nbdtk.fuse.kernel.LowLevelFileSystem;
import io.nbdtk.fuse.kernel.ReplyWriter;

/**
 * The kernel engine's view of {@link ExportFiles}: inode 1 is the directory, inode
 * {@code 2 + i} the i-th export's file. Inodes never change, so FORGET needs no bookkeeping.
 */
final class KernelExportFileSystem implements LowLevelFileSystem {
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int DT_DIR = 4;
    private static final int DT_REG = 8;
    private static final int ENOTDIR = 20;
    private static final int W_OK = 2;
    private static final int X_OK = 1;
    private static final long FIRST_FILE = 2;

    private final ExportFiles files;
    private final int openFlags;

    /** {@code directIo}: files bypass the page cache, and direct writes to one file run in parallel. */
    KernelExportFileSystem(ExportFiles files, boolean directIo, boolean keepCache) {
        this.files = files;
        this.openFlags = directIo ? FuseProtocol.FOPEN_DIRECT_IO | FuseProtocol.FOPEN_PARALLEL_DIRECT_WRITES
                : keepCache ? FuseProtocol.FOPEN_KEEP_CACHE : 0;
    }

    private ExportFiles.Entry file(long node) {
        return files.entry(node - FIRST_FILE);
    }

    private Attr rootAttr() {
        return new Attr(FuseProtocol.ROOT_ID, 0, 0, files.mountTimeSeconds(), S_IFDIR | 0755, 2, (int) files.uid(),
                (int) files.gid(), ExportFiles.BLOCK_SIZE);
    }

    private Attr attr(ExportFiles.Entry e) {
        long size = e.device.size();
        return new Attr(FIRST_FILE + e.index, size, (size + 511) / 512, e.modifiedSeconds.get(),
                S_IFREG | files.fileMode(e), 1, (int) files.uid(), (int) files.gid(), ExportFiles.BLOCK_SIZE);
    }

    /** Answers ENOENT/ENOTDIR for a node that is not a file; returns the file or null. */
    private ExportFiles.Entry fileOrError(long node, ReplyWriter reply) {
        ExportFiles.Entry e = file(node);
        if (e == null) {
            reply.error(node == FuseProtocol.ROOT_ID ? Errno.EISDIR : Errno.ENOENT);
        }
        return e;
    }

    private static void result(int r, ReplyWriter reply) {
        if (r < 0) {
            reply.error(-r);
        } else {
            reply.ok();
        }
    }

    @Override
    public void lookup(long parent, String name, ReplyWriter reply) {
        if (parent != FuseProtocol.ROOT_ID) {
            reply.error(file(parent) != null ? ENOTDIR : Errno.ENOENT);
            return;
        }
        ExportFiles.Entry e = files.entry(name);
        if (e == null) {
            reply.error(Errno.ENOENT);
        } else {
            reply.entry(FIRST_FILE + e.index, attr(e));
        }
    }

    @Override
    public void getattr(long node, ReplyWriter reply) {
        if (node == FuseProtocol.ROOT_ID) {
            reply.attr(rootAttr());
            return;
        }
        ExportFiles.Entry e = file(node);
        if (e == null) {
            reply.error(Errno.ENOENT);
        } else {
            reply.attr(attr(e));
        }
    }

    /** chmod/chown are not supported (as with libfuse 2: ENOSYS); size and times as ExportFiles says. */
    @Override
    public void setattr(long node, SetAttr change, ReplyWriter reply) {
        boolean times = change.has(FuseProtocol.FATTR_ATIME) || change.has(FuseProtocol.FATTR_MTIME)
                || change.has(FuseProtocol.FATTR_ATIME_NOW) || change.has(FuseProtocol.FATTR_MTIME_NOW);
        if (change.has(FuseProtocol.FATTR_MODE) || change.has(FuseProtocol.FATTR_UID) || change.has(FuseProtocol.FATTR_GID)) {
            reply.error(Errno.ENOSYS);
            return;
        }
        if (node == FuseProtocol.ROOT_ID) {
            if (change.has(FuseProtocol.FATTR_SIZE)) {
                reply.error(Errno.EISDIR);
            } else {
                reply.attr(rootAttr());
            }
            return;
        }
        ExportFiles.Entry e = file(node);
        if (e == null) {
            reply.error(Errno.ENOENT);
            return;
        }
        if (change.has(FuseProtocol.FATTR_SIZE)) {
            int r = files.truncate(e, change.size());
            if (r < 0) {
                reply.error(-r);
                return;
            }
        }
        if (times) {
            int r;
            if (change.has(FuseProtocol.FATTR_MTIME_NOW)) {
                r = files.setModified(e, System.currentTimeMillis() / 1000);
            } else if (change.has(FuseProtocol.FATTR_MTIME)) {
                r = files.setModified(e, change.mtime());
            } else {
                r = files.writable(e) ? 0 : -Errno.EROFS; // atime only: not kept, but refused alike
            }
            if (r < 0) {
                reply.error(-r);
                return;
            }
        }
        reply.attr(attr(e));
    }

    @Override
    public void open(long node, int flags, ReplyWriter reply) {
        ExportFiles.Entry e = fileOrError(node, reply);
        if (e == null) {
            return;
        }
        int r = files.open(e, flags);
        if (r < 0) {
            reply.error(-r);
        } else {
            reply.open(0, openFlags);
        }
    }

    @Override
    public void opendir(long node, ReplyWriter reply) {
        if (node == FuseProtocol.ROOT_ID) {
            reply.open(0, 0);
        } else {
            reply.error(file(node) != null ? ENOTDIR : Errno.ENOENT);
        }
    }

    @Override
    public void readdir(long node, long offset, int size, ReplyWriter reply) {
        if (node != FuseProtocol.ROOT_ID) {
            reply.error(file(node) != null ? ENOTDIR : Errno.ENOENT);
            return;
        }
        List<ReplyWriter.Dirent> list = new ArrayList<>();
        list.add(new ReplyWriter.Dirent(FuseProtocol.ROOT_ID, ".", DT_DIR));
        list.add(new ReplyWriter.Dirent(FuseProtocol.ROOT_ID, "..", DT_DIR));
        for (ExportFiles.Entry e : files.entries()) {
            list.add(new ReplyWriter.Dirent(FIRST_FILE + e.index, e.name, DT_REG));
        }
        reply.dirents(list, offset, size);
    }

    @Override
    public void read(long node, long offset, int size, ReplyWriter reply) {
        ExportFiles.Entry e = fileOrError(node, reply);
        if (e == null) {
            return;
        }
        int n = files.read(e, offset, reply.dataBuffer(Math.max(0, size)));
        if (n < 0) {
            reply.error(-n);
        } else {
            reply.data(n);
        }
    }

    @Override
    public void write(long node, long offset, ByteBuffer data, ReplyWriter reply) {
        ExportFiles.Entry e = fileOrError(node, reply);
        if (e == null) {
            return;
        }
        int n = files.write(e, offset, data);
        if (n < 0) {
            reply.error(-n);
        } else {
            reply.written(n);
        }
    }

    /** close(2): nothing to do (data reaches the server on write; fsync flushes it). */
    @Override
    public void flush(long node, ReplyWriter reply) {
        reply.ok();
    }

    @Override
    public void fsync(long node, boolean dataOnly, ReplyWriter reply) {
        ExportFiles.Entry e = fileOrError(node, reply);
        if (e != null) {
            result(files.fsync(e), reply);
        }
    }

    @Override
    public void fallocate(long node, int mode, long offset, long length, ReplyWriter reply) {
        ExportFiles.Entry e = fileOrError(node, reply);
        if (e != null) {
            result(files.fallocate(e, mode, offset, length), reply);
        }
    }

    @Override
    public void statfs(ReplyWriter reply) {
        long total = files.totalBytes();
        reply.statfs((total + ExportFiles.BLOCK_SIZE - 1) / ExportFiles.BLOCK_SIZE, 0, 0, files.names().size() + 1L, 0,
                ExportFiles.BLOCK_SIZE, 255, ExportFiles.BLOCK_SIZE);
    }

    /** access(2) (only sent without default_permissions): writes need a writable file, nothing executes. */
    @Override
    public void access(long node, int mask, ReplyWriter reply) {
        if (node == FuseProtocol.ROOT_ID) {
            reply.ok();
            return;
        }
        ExportFiles.Entry e = file(node);
        if (e == null) {
            reply.error(Errno.ENOENT);
        } else if ((mask & W_OK) != 0 && !files.writable(e)) {
            reply.error(Errno.EROFS);
        } else if ((mask & X_OK) != 0) {
            reply.error(Errno.EACCES);
        } else {
            reply.ok();
        }
    }

    @Override
    public void create(long parent, String name, ReplyWriter reply) {
        reply.error(-files.create(name));
    }
}
