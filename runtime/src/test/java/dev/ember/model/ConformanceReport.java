package dev.ember.model;

import java.util.ArrayList;
import java.util.List;

/** Collects one line per reference file (max |Δlogit|, argmax and greedy results) and prints them as a table. */
final class ConformanceReport {
    private final String title;
    private final List<String> lines = new ArrayList<>();

    ConformanceReport(String title) {
        this.title = title;
    }

    /** Records a file's teacher-forced result. */
    synchronized void teacherForced(String file, String prompt, ConformanceRunner.TeacherForced r, double tolerance) {
        lines.add(String.format("%-34s %-36s max|dlogit| %.3g (row %d; tol %.2g), rows<=1e-4 %d/%d (first above: %d),"
                        + " argmax flips %d, near-tie flips %d", file, quoted(prompt), r.maxError(), r.worstRow(),
                tolerance, r.rowsWithin(1e-4), r.rowErrors().length, r.firstRowAbove(1e-4), r.argmaxFlips().size(),
                r.nearTieFlips().size()));
    }

    /** Records a file's greedy result. */
    synchronized void greedy(String file, String prompt, ConformanceRunner.Greedy g) {
        lines.add(String.format("%-34s %-36s greedy: %s", file, quoted(prompt), g.description()));
    }

    private static String quoted(String prompt) {
        return '"' + (prompt.length() > 30 ? prompt.substring(0, 27) + "..." : prompt) + '"';
    }

    /** Prints the table to standard output. */
    synchronized void print() {
        System.out.println("== " + title + " ==");
        lines.stream().sorted().forEach(System.out::println);
    }
}
