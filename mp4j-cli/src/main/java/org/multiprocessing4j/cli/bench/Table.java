package org.multiprocessing4j.cli.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.Set;

/** A plain text table: first row is the header, {@code right} lists right-aligned columns. */
final class Table {
    private Table() {}

    static void print(PrintStream out, List<String[]> rows, Set<Integer> right) {
        int cols = rows.get(0).length;
        int[] w = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        for (int j = 0; j < rows.size(); j++) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < cols; i++) {
                String c = rows.get(j)[i];
                String pad = " ".repeat(w[i] - c.length());
                sb.append(i == 0 ? "" : "  ").append(right.contains(i) ? pad + c : c + pad);
            }
            out.println(sb.toString().stripTrailing());
            if (j == 0) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < cols; i++) {
                    line.append(i == 0 ? "" : "  ").append("-".repeat(w[i]));
                }
                out.println(line);
            }
        }
    }
}
