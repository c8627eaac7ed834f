package org.multiprocessing4j.internal.process;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The control protocol's frames (see {@link Control}). */
class WireFormatTest {
    @Test
    void aChildSpecSurvivesTheRunFrame() throws IOException {
        ChildSpec spec = new ChildSpec("warm", "Process-3:1", new int[] {3, 1}, true, 4242L, "Process-3", "INFO", "WARNING",
                new byte[] {1, 2, 3}, 7, List.of("a.B", "c.D$E"), new byte[] {9, 8, 7, 6});
        ByteArrayOutputStream pipe = new ByteArrayOutputStream();
        Control.send(pipe, Control.RUN, spec::writeTo);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(pipe.toByteArray()));
        Control.Frame f = Control.receive(in);
        assertEquals(Control.RUN, f.type());
        ChildSpec back = ChildSpec.readFrom(f.bodyStream());
        assertEquals(spec.name(), back.name());
        assertArrayEquals(spec.identity(), back.identity());
        assertEquals(spec.daemon(), back.daemon());
        assertEquals(spec.parentPid(), back.parentPid());
        assertEquals(spec.logLevel(), back.logLevel());
        assertEquals(spec.backendLogFloor(), back.backendLogFloor());
        assertArrayEquals(spec.authkey(), back.authkey());
        assertEquals(spec.generation(), back.generation());
        assertEquals(spec.registry(), back.registry());
        assertArrayEquals(spec.payload(), back.payload());
        assertNull(Control.receive(in), "end of stream after the last frame");
    }

    @Test
    void aMalformedLengthIsRefused() {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(new byte[] {(byte) 0xff, 0, 0, 0, 1}));
        assertThrows(IOException.class, () -> Control.receive(in));
    }

    @Test
    void aTruncatedFrameIsAnErrorNotAHang() {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(new byte[] {0, 0, 0, 9, Control.RUN, 1}));
        assertThrows(IOException.class, () -> Control.receive(in));
    }

    @Test
    void aReportIsThirteenBytesThatReadBack() throws IOException {
        byte[] r = Control.report(Control.EXIT, 0x0123456789abcdefL, -9);
        assertEquals(Control.REPORT_SIZE, r.length);
        byte[] back = Control.readReport(new ByteArrayInputStream(r));
        assertEquals(Control.EXIT, back[0]);
        assertEquals(0x0123456789abcdefL, Control.reportId(back));
        assertEquals(-9, Control.reportValue(back));
        assertNull(Control.readReport(new ByteArrayInputStream(new byte[5])), "a partial report at end of stream");
    }

    @Test
    void exitStatusesMapToCpythonsForm() {
        assertEquals(0, Popen.fromOsStatus(0));
        assertEquals(3, Popen.fromOsStatus(3));
        assertEquals(-9, Popen.fromOsStatus(137));
        assertEquals(-15, Popen.fromOsStatus(143));
        assertEquals("SIGKILL(-9)", Signals.describe(-9));
        assertEquals("1", Signals.describe(1));
    }
}
