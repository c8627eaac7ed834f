package org.multiprocessing4j.internal.log;

import java.io.PrintStream;
import java.lang.System.Logger.Level;
import java.util.function.Supplier;

/**
 * The library's logger: one {@link System.Logger} named {@value #NAME}, like CPython's single
 * {@code multiprocessing} logger, plus CPython's {@code log_to_stderr} mode.
 *
 * <h2>Why System.Logger</h2>
 * It costs the library no dependency and reaches every backend: by default it is
 * {@code java.util.logging}; an application on SLF4J or Log4j 2 routes it there by adding their
 * {@code System.LoggerFinder} bridge ({@code slf4j-jdk-platform-logging}, {@code log4j-jpl}).
 *
 * <h2>Quiet by default</h2>
 * As in CPython, the library says nothing unless asked: when the backend is
 * {@code java.util.logging} and the application has not configured a level for {@value #NAME},
 * that logger is set to WARNING.
 *
 * <h2>Stderr mode</h2>
 * {@link #toStderr(Level)} sends the library's messages at or above a level to standard error in
 * CPython's format, {@code [INFO/Process-1] message}, instead of to the backend. Children started
 * afterwards inherit the level, as in CPython.
 */
public final class Log {
    /** The logger name. */
    public static final String NAME = "org.multiprocessing4j";

    /** Null when stderr mode is off. */
    private static volatile Level stderrLevel;
    /**
     * In a child: the lowest level its parent's backend took; messages below it are dropped
     * without starting this JVM's backend (java.util.logging costs a cold JVM about 14 ms).
     * Null in a main process: ask the backend.
     */
    private static volatile Level assumedFloor;

    private static volatile Supplier<String> processName = () -> "MainProcess";

    /** The backend, started on first need. */
    private static final class Backend {
        static final System.Logger LOGGER = System.getLogger(NAME);
        /** Held so that the java.util.logging configuration is not garbage-collected. */
        static final Object JUL_LOGGER = quietByDefault();

        private Backend() {}
    }

    private final String source;

    private Log(String source) {
        this.source = source;
    }

    /** The logger for a class of the library (all share {@value #NAME}). */
    public static Log of(Class<?> c) {
        return new Log(c.getSimpleName());
    }

    /** The library's System.Logger (CPython's {@code get_logger()}). */
    public static System.Logger logger() {
        return Backend.LOGGER;
    }

    /** The lowest level the backend takes from the library (OFF for none); starts the backend. */
    public static Level backendFloor() {
        for (Level l : new Level[] {Level.TRACE, Level.DEBUG, Level.INFO, Level.WARNING, Level.ERROR}) {
            if (Backend.LOGGER.isLoggable(l)) {
                return l;
            }
        }
        return Level.OFF;
    }

    /** In a child: assume the parent's backend floor (see {@link #backendFloor()}). */
    public static void assumeBackendFloor(Level floor) {
        assumedFloor = floor;
    }

    /** Turns stderr mode on at this level (null turns it off). */
    public static void toStderr(Level level) {
        stderrLevel = level;
    }

    /** The stderr-mode level, or null. */
    public static Level stderrLevel() {
        return stderrLevel;
    }

    /** Tells the log how to name the current process in stderr mode. */
    public static void processNameSupplier(Supplier<String> supplier) {
        processName = supplier;
    }

    public boolean isEnabled(Level level) {
        Level s = stderrLevel;
        if (s != null) {
            return level.getSeverity() >= s.getSeverity();
        }
        Level floor = assumedFloor;
        if (floor != null && level.getSeverity() < floor.getSeverity()) {
            return false;
        }
        return Backend.LOGGER.isLoggable(level);
    }

    public void debug(String format, Object... args) {
        log(Level.DEBUG, format, args);
    }

    public void info(String format, Object... args) {
        log(Level.INFO, format, args);
    }

    public void warning(String format, Object... args) {
        log(Level.WARNING, format, args);
    }

    public void error(String format, Object... args) {
        log(Level.ERROR, format, args);
    }

    /** Logs {@code String.format(format, args)} at this level. */
    public void log(Level level, String format, Object... args) {
        if (!isEnabled(level)) {
            return;
        }
        String message = args.length == 0 ? format : String.format(format, args);
        if (stderrLevel != null) {
            PrintStream err = System.err;
            err.println("[" + level.getName() + "/" + processName.get() + "] " + message);
            err.flush();
        } else {
            Backend.LOGGER.log(level, () -> source + ": " + message);
        }
    }

    private static Object quietByDefault() {
        try {
            if (!System.LoggerFinder.getLoggerFinder().getClass().getName().startsWith("sun.util.logging.internal")) {
                return null;
            }
            java.util.logging.Logger jul = java.util.logging.Logger.getLogger(NAME);
            String configured = java.util.logging.LogManager.getLogManager().getProperty(NAME + ".level");
            if (jul.getLevel() == null && configured == null) {
                jul.setLevel(java.util.logging.Level.WARNING);
            }
            return jul;
        } catch (RuntimeException | LinkageError e) {
            return null; // java.logging absent or locked down: leave the backend as it is
        }
    }
}
