package org.multiprocessing4j.internal.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SpinBudgetTest {
    @Test
    void startsAtTheFixedSpin() {
        assertEquals(Waits.SPIN_NANOS, new SpinBudget().nanos());
    }

    @Test
    void shortSleepsDoubleTheSpinUpToTheMaximum() {
        SpinBudget b = new SpinBudget();
        b.slept(30_000);
        assertEquals(2 * Waits.SPIN_NANOS, b.nanos());
        for (int i = 0; i < 20; i++) {
            b.slept(30_000);
        }
        assertEquals(SpinBudget.MAX_NANOS, b.nanos());
    }

    @Test
    void longSleepsHalveItDownToTheFixedSpin() {
        SpinBudget b = new SpinBudget();
        for (int i = 0; i < 20; i++) {
            b.slept(30_000);
        }
        b.slept(SpinBudget.LONG_SLEEP_NANOS + 1);
        assertEquals(SpinBudget.MAX_NANOS / 2, b.nanos());
        for (int i = 0; i < 20; i++) {
            b.slept(50_000_000);
        }
        assertEquals(Waits.SPIN_NANOS, b.nanos());
    }

    @Test
    void sleepsInBetweenLeaveItAlone() {
        SpinBudget b = new SpinBudget();
        b.slept(30_000);
        b.slept(1_000_000);
        assertEquals(2 * Waits.SPIN_NANOS, b.nanos());
    }
}
