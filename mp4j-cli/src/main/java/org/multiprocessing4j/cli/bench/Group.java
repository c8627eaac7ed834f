package org.multiprocessing4j.cli.bench;

import java.io.Serializable;
import org.multiprocessing4j.Context;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.Semaphore;

/**
 * The anchor's ready / go / done handshake between the parent and its benchmark children, on
 * shared-memory semaphores (the anchor uses a private {@code Pipe} per child; a pipe is a later
 * layer here, and a semaphore hand-over costs the same order, a futex wake). Start-up is outside
 * the timed region: each child releases {@code ready} when it is set up, waits for {@code go},
 * and releases {@code done} when its work is finished.
 */
final class Group implements Serializable {
    private static final long serialVersionUID = 1L;
    final Semaphore ready;
    final Semaphore go;
    final Semaphore done;

    /** A handshake on semaphores of the default context. */
    Group() {
        this(Multiprocessing.defaultContext());
    }

    /** A handshake on semaphores of {@code context} (whose processes use it). */
    Group(Context context) {
        ready = context.semaphore(0);
        go = context.semaphore(0);
        done = context.semaphore(0);
    }

    /** In a child: announce readiness and wait for go. */
    void readyThenAwaitGo() throws InterruptedException {
        ready.release();
        go.acquire();
    }

    /** In the parent: waits for {@code n} children to be ready. */
    void awaitReady(int n) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            ready.acquire();
        }
    }

    /** In the parent: lets {@code n} children go. */
    void go(int n) {
        for (int i = 0; i < n; i++) {
            go.release();
        }
    }

    /** In the parent: waits for {@code n} children to be done. */
    void awaitDone(int n) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            done.acquire();
        }
    }
}
