package org.multiprocessing4j;

/**
 * The two ends of a pipe (CPython: {@code conn1, conn2 = Pipe(duplex)}). With {@code duplex}
 * (the default) both ends send and receive; without, {@link #conn1()} only receives and
 * {@link #conn2()} only sends. See {@link Connection}.
 *
 * @param conn1 the first end (the receiving end of a one-way pipe)
 * @param conn2 the second end (the sending end of a one-way pipe)
 */
public record Pipe(Connection conn1, Connection conn2) {}
