package org.multiprocessing4j.internal.process;

import java.time.Duration;
import org.multiprocessing4j.internal.codec.Codec;

/**
 * The thread start method: each process is a platform thread of this JVM that runs a copy of the
 * process object, decoded from the same bytes a child JVM would receive. Copying keeps the
 * contract of the other start methods: the child sees its own copies of the target and its
 * arguments, and what cannot be serialised fails in {@code start()} as it would there.
 */
public final class ThreadLauncher implements Launcher {
    private final Codec codec;

    public ThreadLauncher(Codec codec) {
        this.codec = codec;
    }

    @Override
    public Popen launch(ChildSpec spec) {
        Object copy = ProcessAccess.get().decodePayload(codec, spec.payload());
        ThreadPopen popen = new ThreadPopen(spec.name(), spec.daemon(),
                () -> ProcessAccess.get().runAsChild(copy, spec, true));
        popen.start();
        return popen;
    }

    @Override
    public boolean prepare(Duration timeout) {
        codec.prepare();
        return true;
    }

    @Override
    public void close() {
        // threads are not pre-started
    }
}
