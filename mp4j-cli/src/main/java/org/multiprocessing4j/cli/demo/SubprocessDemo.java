package org.multiprocessing4j.cli.demo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.multiprocessing4j.subprocess.CompletedPipeline;
import org.multiprocessing4j.subprocess.CompletedProcess;
import org.multiprocessing4j.subprocess.Options;
import org.multiprocessing4j.subprocess.Popen;
import org.multiprocessing4j.subprocess.Redirect;
import org.multiprocessing4j.subprocess.Subprocess;
import org.multiprocessing4j.subprocess.TimeoutExpired;

/**
 * Seed 001, 1.4 拓展之subprocess: the four examples, with local commands only.
 *
 * <pre>
 * result = subprocess.run(["ls", "-al"]); print(result)
 * result = subprocess.run(["ping", "www.baidu.com"])            # streaming output (here: a local loop)
 * process = subprocess.Popen(["ipython3"], stdin=PIPE, stdout=PIPE, stderr=PIPE)
 * out, err = process.communicate(input=b'print("hello")', timeout=3)   # (here: sh)
 * p1 = Popen(["ps", "-aux"], stdout=PIPE); p2 = Popen(["grep", "bash"], stdin=p1.stdout, stdout=PIPE)
 * </pre>
 */
final class SubprocessDemo implements Demo {
    private final String which;

    SubprocessDemo(String which) {
        this.which = which;
    }

    @Override
    public String name() {
        return switch (which) {
            case "ls" -> "subprocess-ls";
            case "ping" -> "subprocess-ping";
            case "communicate" -> "subprocess-communicate";
            default -> "subprocess-pipeline";
        };
    }

    @Override
    public String description() {
        return switch (which) {
            case "ls" -> "subprocess.run([\"ls\", \"-al\"]) and its CompletedProcess (seed 001, 1.4)";
            case "ping" -> "streaming output of a ping-like local command, inherited stdout (seed 001, 1.4)";
            case "communicate" -> "Popen + communicate(input, timeout) with an interactive shell (seed 001, 1.4)";
            default -> "ps aux | grep java as a pipeline, with every return code (seed 001, 1.4)";
        };
    }

    @Override
    public void run() throws Exception {
        switch (which) {
            case "ls" -> {
                CompletedProcess result = Subprocess.run(List.of("ls", "-al"));
                System.out.println(result);
            }
            case "ping" -> {
                // ping www.baidu.com, without the network: one line every 200 ms, printed as it comes
                String script = "for i in 1 2 3 4 5; do echo \"64 bytes from 127.0.0.1: icmp_seq=$i ttl=64 time=0.0$i ms\";"
                        + " sleep 0.2; done";
                CompletedProcess result = Subprocess.run(List.of("sh", "-c", script));
                System.out.println("returncode " + result.returncode() + ", stdout " + result.stdout()
                        + " (not captured: it went straight to the terminal)");
            }
            case "communicate" -> {
                try (Popen process = Popen.start(List.of("sh"),
                        Options.defaults().stdin(Redirect.PIPE).stdout(Redirect.PIPE).stderr(Redirect.PIPE))) {
                    Popen.Output out;
                    try {
                        out = process.communicate("echo hello; echo \"6*7=$((6*7))\"; no-such-command-mp4j\n"
                                .getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(3));
                    } catch (TimeoutExpired e) {
                        process.kill(); // on timeout the child is not killed for you (CPython's remark too)
                        out = process.communicate();
                    }
                    System.out.printf("Out:%s%nErr:%s%n", new String(out.stdout(), StandardCharsets.UTF_8).strip(),
                            new String(out.stderr(), StandardCharsets.UTF_8).strip());
                }
            }
            default -> {
                CompletedPipeline ps = Subprocess.pipeline(List.of(List.of("ps", "aux"), List.of("grep", "java")),
                        Options.defaults().stdout(Redirect.PIPE).text());
                System.out.print(ps.stdoutText());
                System.out.println("return codes " + ps.returncodes() + " (ps, grep)");
            }
        }
    }
}
