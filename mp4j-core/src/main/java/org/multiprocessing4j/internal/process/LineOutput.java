package org.multiprocessing4j.internal.process;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * A child's stdout and stderr: line-buffered, one {@code write} per line. Children share their
 * parent's stdout and stderr; the JDK's {@code System.out} can write one {@code printf} in
 * several pieces, and the pieces of concurrent children interleaved mid-line (seen in the KTV
 * demo: {@code person 2 进来唱歌了person } then {@code 1 进来唱歌了}). A line of up to
 * {@link #MAX_LINE} bytes goes out in one write, below the 4096-byte {@code PIPE_BUF}, so it stays
 * whole whatever its siblings print.
 *
 * <p>Thread-safety: writes are serialised by the {@link PrintStream} around it.
 */
final class LineOutput extends OutputStream {
    static final int MAX_LINE = 4000;
    private final OutputStream out;
    private final byte[] line = new byte[MAX_LINE];
    private int length;

    private LineOutput(OutputStream out) {
        this.out = out;
    }

    /** Replaces {@code System.out} and {@code System.err} with line-buffered ones on the same descriptors. */
    static void install() {
        System.setOut(stream(FileDescriptor.out, System.getProperty("stdout.encoding")));
        System.setErr(stream(FileDescriptor.err, System.getProperty("stderr.encoding")));
    }

    private static PrintStream stream(FileDescriptor fd, String encoding) {
        Charset cs = encoding != null && Charset.isSupported(encoding) ? Charset.forName(encoding) : Charset.defaultCharset();
        return new PrintStream(new LineOutput(new FileOutputStream(fd)), false, cs);
    }

    @Override
    public void write(int b) throws IOException {
        if (length == line.length) {
            flush();
        }
        line[length++] = (byte) b;
        if (b == '\n') {
            flush();
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        for (int i = 0; i < len; i++) {
            write(b[off + i]);
        }
    }

    @Override
    public void flush() throws IOException {
        if (length > 0) {
            out.write(line, 0, length);
            length = 0;
        }
    }
}
