package org.multiprocessing4j.internal.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.multiprocessing4j.internal.codec.Codec;

class WarmReserveTest {
    private JvmLauncher launcher;

    @BeforeEach
    void launcherWithoutAReserve() {
        launcher = new JvmLauncher(new Codec(getClass().getClassLoader()), new JvmCommand(List.of(), false), false, 0, 0);
    }

    @AfterEach
    void close() {
        launcher.close();
    }

    @Test
    void eachStartThatFindsTheReserveEmptyGrowsItByOneUpToItsMaximum() {
        WarmReserve reserve = new WarmReserve(launcher, 1, 3); // never refilled here: every take misses
        try {
            assertEquals(1, reserve.size());
            assertNull(reserve.take());
            assertEquals(2, reserve.size());
            assertNull(reserve.take());
            assertEquals(3, reserve.size());
            assertNull(reserve.take());
            assertEquals(3, reserve.size(), "not past its maximum");
        } finally {
            reserve.close();
        }
    }

    @Test
    void aFixedReserveDoesNotGrow() {
        WarmReserve reserve = new WarmReserve(launcher, 2, 2);
        try {
            assertNull(reserve.take());
            assertEquals(2, reserve.size());
        } finally {
            reserve.close();
        }
    }

    @Test
    void aMaximumBelowTheSizeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new WarmReserve(launcher, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> new WarmReserve(launcher, 0, 4));
    }
}
