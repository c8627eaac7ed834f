package org.multiprocessing4j;

/**
 * A message does not fit the buffer it was to be received into (CPython: {@code BufferTooShort}).
 * Unlike CPython, the message is not consumed: it stays in the pipe, to be received again with a
 * larger buffer ({@link #messageLength()} says how large).
 */
public final class BufferTooShortException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final long messageLength;

    BufferTooShortException(long messageLength, long room) {
        super("message of " + messageLength + " bytes does not fit in " + room + " bytes; it stays in the pipe");
        this.messageLength = messageLength;
    }

    /** The length of the message that did not fit. */
    public long messageLength() {
        return messageLength;
    }
}
