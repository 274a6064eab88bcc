package io.nbdtk.fuse.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Requests built byte by byte as the kernel sends them, decoded and dispatched. */
class RequestDispatcherTest {
    private final List<String> calls = new ArrayList<>();
    private ByteBuffer buf;
    private ReplyWriter reply;
    private RequestDispatcher dispatcher;

    /** Records each call as text and answers ok (or with the data it was given, for write). */
    private final LowLevelFileSystem recorder = new LowLevelFileSystem() {
        @Override public void lookup(long parent, String name, ReplyWriter r) { calls.add("lookup " + parent + " " + name); r.ok(); }
        @Override public void getattr(long node, ReplyWriter r) { calls.add("getattr " + node); r.ok(); }
        @Override public void setattr(long node, SetAttr c, ReplyWriter r) { calls.add("setattr " + node + " " + c); r.ok(); }
        @Override public void open(long node, int flags, ReplyWriter r) { calls.add("open " + node + " " + flags); r.ok(); }
        @Override public void opendir(long node, ReplyWriter r) { calls.add("opendir " + node); r.ok(); }
        @Override public void readdir(long node, long offset, int size, ReplyWriter r) { calls.add("readdir " + node + " " + offset + " " + size); r.ok(); }
        @Override public void read(long node, long offset, int size, ReplyWriter r) { calls.add("read " + node + " " + offset + " " + size); r.ok(); }
        @Override public void write(long node, long offset, ByteBuffer data, ReplyWriter r) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            calls.add("write " + node + " " + offset + " " + new String(b, StandardCharsets.US_ASCII));
            r.written(b.length);
        }
        @Override public void flush(long node, ReplyWriter r) { calls.add("flush " + node); r.ok(); }
        @Override public void fsync(long node, boolean dataOnly, ReplyWriter r) { calls.add("fsync " + node + " " + dataOnly); r.ok(); }
        @Override public void fallocate(long node, int mode, long offset, long length, ReplyWriter r) {
            calls.add("fallocate " + node + " " + mode + " " + offset + " " + length);
            r.ok();
        }
        @Override public void statfs(ReplyWriter r) { calls.add("statfs"); r.ok(); }
        @Override public void access(long node, int mask, ReplyWriter r) { calls.add("access " + node + " " + mask); r.ok(); }
        @Override public void create(long parent, String name, ReplyWriter r) { calls.add("create " + parent + " " + name); r.error(13); }
    };

    @BeforeEach
    void setUp() {
        buf = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
        reply = new ReplyWriter(buf);
        dispatcher = new RequestDispatcher(recorder);
    }

    /** Writes a request with {@code body} and dispatches it; returns the reply's error field. */
    private Integer send(int opcode, long node, ByteBuffer body) {
        body.flip();
        buf.clear();
        buf.putInt(40 + body.remaining()).putInt(opcode).putLong(77).putLong(node).putInt(1000).putInt(100).putInt(4242)
                .putInt(0).put(body).flip();
        InHeader h = InHeader.decode(buf);
        assertThat(h).isEqualTo(new InHeader(40 + body.limit(), opcode, 77, node, 1000, 100, 4242));
        reply.begin(h.unique());
        dispatcher.dispatch(h, buf, reply);
        return reply.replied() ? buf.getInt(4) : null;
    }

    private static ByteBuffer body(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer name(String n) {
        return body(64).put((n + "\0").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void decodesNamesAndIoRequests() {
        send(FuseProtocol.LOOKUP, 1, name("disk"));
        send(FuseProtocol.READ, 2, body(40).putLong(0).putLong(1 << 20).putInt(4096).putInt(0).putLong(0).putInt(0).putInt(0));
        send(FuseProtocol.READDIR, 1, body(40).putLong(0).putLong(2).putInt(4096));
        send(FuseProtocol.OPEN, 2, body(8).putInt(2).putInt(0));
        send(FuseProtocol.FSYNC, 2, body(16).putLong(0).putInt(1).putInt(0));
        send(FuseProtocol.FALLOCATE, 2, body(32).putLong(0).putLong(65536).putLong(131072).putInt(3).putInt(0));
        send(FuseProtocol.ACCESS, 2, body(8).putInt(2).putInt(0));
        assertThat(calls).containsExactly("lookup 1 disk", "read 2 1048576 4096", "readdir 1 2 4096", "open 2 2",
                "fsync 2 true", "fallocate 2 3 65536 131072", "access 2 2");
    }

    @Test
    void writeDataFollowsItsFixedPart() {
        ByteBuffer b = body(40 + 5).putLong(0).putLong(8192).putInt(5).putInt(0).putLong(0).putInt(0).putInt(0);
        b.put("hello".getBytes(StandardCharsets.US_ASCII));
        assertThat(send(FuseProtocol.WRITE, 2, b)).isZero();
        assertThat(calls).containsExactly("write 2 8192 hello");
        assertThat(buf.getInt(16)).isEqualTo(5);
        assertThat(reply.length()).isEqualTo(24);
    }

    @Test
    void aWriteLongerThanItsRequestIsInvalid() {
        ByteBuffer b = body(40 + 5).putLong(0).putLong(0).putInt(500).putInt(0).putLong(0).putInt(0).putInt(0).put(new byte[5]);
        assertThat(send(FuseProtocol.WRITE, 2, b)).isEqualTo(-22);
        assertThat(calls).isEmpty();
    }

    @Test
    void setattrFieldsComeFromTheirOffsets() {
        ByteBuffer b = body(88).putInt(FuseProtocol.FATTR_SIZE | FuseProtocol.FATTR_MTIME).putInt(0).putLong(0)
                .putLong(4096).putLong(0).putLong(11).putLong(22).putLong(33).putInt(0).putInt(0).putInt(0)
                .putInt(0644).putInt(0).putInt(5).putInt(6).putInt(0);
        send(FuseProtocol.SETATTR, 2, b);
        assertThat(calls).containsExactly("setattr 2 SetAttr[valid=40, size=4096, atime=11, mtime=22, mode=420, uid=5, gid=6]");
    }

    @Test
    void createSkipsItsFixedPartToTheName() {
        ByteBuffer b = body(64).putInt(0).putInt(0100644).putInt(022).putInt(0).put("new\0".getBytes(StandardCharsets.UTF_8));
        assertThat(send(FuseProtocol.CREATE, 1, b)).isEqualTo(-13);
        assertThat(calls).containsExactly("create 1 new");
    }

    @Test
    void forgetsAndInterruptsAreNotAnsweredAndUnknownOpcodesGetEnosys() {
        assertThat(send(FuseProtocol.FORGET, 2, body(8).putLong(1))).isNull();
        assertThat(send(FuseProtocol.BATCH_FORGET, 0, body(24).putInt(1).putInt(0).putLong(2).putLong(1))).isNull();
        assertThat(send(FuseProtocol.INTERRUPT, 0, body(8).putLong(76))).isNull();
        assertThat(send(9 /* MKDIR */, 1, body(8))).isEqualTo(-38);
        assertThat(send(FuseProtocol.READDIRPLUS, 1, body(40))).isEqualTo(-38);
        assertThat(send(FuseProtocol.RELEASE, 2, body(24))).isZero();
        assertThat(calls).isEmpty();
    }
}
