package io.nbdtk.fuse;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/** Where the files of a mount come from: connects to the server and yields one file per export. */
interface ExportSource extends Closeable {
    /** Where the server runs, for the loopback guard; known before connecting. */
    Locality locality();

    /** Connects (every connection is made on the calling thread's descendants). */
    List<ExportFile> open() throws IOException;

    /** For the ready line: what is mounted. */
    String describe();
}
