package io.nbdtk.lab.run;

import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * A self-contained HTML page for one run: the verdict, a timeline plot (writer progress, the
 * writer cgroup's usage, dirty and writeback pages, memory pressure, blocked threads) as inline
 * SVG, the blocked stacks and the recovery steps. No scripts, no external resources.
 */
public final class HtmlReport {
    private static final int W = 900;
    private static final int LEFT = 60;
    private static final int RIGHT = 840;
    private static final int TOP = 20;
    private static final int BOTTOM = 300;
    private static final int BAND_TOP = 320;
    private static final int BAND_BOTTOM = 370;

    private HtmlReport() {}

    public static String render(RunResult r) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>deadlock-lab: ")
                .append(esc(r.verdict().cliName())).append("</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:960px}"
                        + "pre{background:#f6f6f6;padding:.5em;overflow-x:auto;font-size:12px}"
                        + ".v{font-size:1.4em;font-weight:bold}</style></head><body>\n");
        b.append("<h1>deadlock-lab run</h1>\n<p>").append(esc(r.spec().describe())).append("</p>\n");
        b.append("<p class=\"v\">").append(esc(r.verdict().cliName().toUpperCase(Locale.ROOT))).append("</p>\n<p>")
                .append(esc(r.reason())).append("</p>\n");
        if (r.verdict() == Verdict.DEADLOCKED) {
            b.append("<p>Released by: ").append(esc(r.releasedBy())).append(". Daemon threads in memcg reclaim waiting on writeback: ")
                    .append(r.reclaimSignature() ? "yes" : "no").append(".</p>\n");
        }
        if (!r.timeline().isEmpty()) {
            b.append(plot(r.timeline()));
        }
        if (!r.stacks().isEmpty()) {
            b.append("<h2>Blocked threads when the lab intervened</h2>\n");
            for (String s : r.stacks()) {
                b.append("<pre>").append(esc(s.strip())).append("</pre>\n");
            }
        }
        if (!r.notes().isEmpty()) {
            b.append("<h2>Notes</h2>\n<ul>\n");
            r.notes().forEach(n -> b.append("<li>").append(esc(n)).append("</li>\n"));
            b.append("</ul>\n");
        }
        b.append("<h2>Recovery</h2>\n<pre>");
        r.recovery().forEach(s -> b.append(esc(s.toString())).append('\n'));
        b.append(r.cleanedUp() ? "nothing left behind" : "INCOMPLETE: run 'deadlock-lab cleanup'").append("</pre>\n");
        return b.append("</body></html>\n").toString();
    }

    static String plot(List<Sample> t) {
        double tMax = Math.max(1, t.get(t.size() - 1).seconds());
        long[] written = new long[t.size()];
        long last = 0;
        for (int i = 0; i < t.size(); i++) {
            last = t.get(i).writerBytes() >= 0 ? t.get(i).writerBytes() : last; // carried after the writer exits
            written[i] = last;
        }
        double mibMax = 1;
        for (int i = 0; i < t.size(); i++) {
            Sample s = t.get(i);
            mibMax = Math.max(mibMax, Math.max(written[i], Math.max(s.writerCgroup().usageBytes(),
                    Math.max(s.writerCgroup().dirtyBytes(), s.writerCgroup().writebackBytes()))) / 1048576.0);
        }
        int blockedMax = Math.max(1, t.stream().mapToInt(s -> s.blocked().size()).max().orElse(1));
        StringBuilder b = new StringBuilder();
        b.append("<h2>Timeline</h2>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(W)
                .append("\" height=\"430\" font-size=\"11\">\n");
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>%n",
                LEFT, TOP, RIGHT - LEFT, BOTTOM - TOP));
        for (int k = 0; k <= 4; k++) {
            double y = BOTTOM - (BOTTOM - TOP) * k / 4.0;
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.0f\" text-anchor=\"end\">%.0f MiB</text>"
                    + "<text x=\"%d\" y=\"%.0f\">%d%%</text>%n", LEFT - 4, y + 4, mibMax * k / 4, RIGHT + 4, y + 4, 25 * k));
            double x = LEFT + (RIGHT - LEFT) * k / 4.0;
            b.append(String.format(Locale.ROOT, "<text x=\"%.0f\" y=\"%d\" text-anchor=\"middle\">%.0f s</text>%n",
                    x, BAND_BOTTOM + 14, tMax * k / 4));
        }
        double mib = mibMax;
        double[] progress = new double[t.size()];
        for (int i = 0; i < t.size(); i++) {
            progress[i] = written[i] / 1048576.0 / mib;
        }
        series(b, t, tMax, progress, "#1f77b4", "", "writer progress");
        series(b, t, tMax, of(t, s -> s.writerCgroup().usageBytes() / 1048576.0 / mib), "#888", "", "cgroup usage");
        series(b, t, tMax, of(t, s -> s.writerCgroup().dirtyBytes() / 1048576.0 / mib), "#ff7f0e", "", "cgroup dirty");
        series(b, t, tMax, of(t, s -> s.writerCgroup().writebackBytes() / 1048576.0 / mib), "#d62728", "",
                "cgroup writeback");
        series(b, t, tMax, of(t, s -> s.psiSome10() / 100), "#9467bd", "4 3", "memory PSI some avg10 (right axis)");
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">threads in D state (max %d)</text>%n", LEFT,
                BAND_TOP - 3, blockedMax));
        double barW = Math.max(1, (RIGHT - LEFT) / (double) t.size() - 1);
        for (Sample s : t) {
            double h = (BAND_BOTTOM - BAND_TOP) * s.blocked().size() / (double) blockedMax;
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#444\"/>%n",
                    x(s.seconds(), tMax), BAND_BOTTOM - h, barW, h));
        }
        return b.append("</svg>\n").toString();
    }

    private static double[] of(List<Sample> t, ToDoubleFunction<Sample> f) {
        return t.stream().mapToDouble(f).toArray();
    }

    /** One polyline; {@code fractions} are heights from 0 (bottom) to 1 (top), one per sample. */
    private static void series(StringBuilder b, List<Sample> t, double tMax, double[] fractions, String color,
            String dash, String label) {
        b.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"1.5\"");
        if (!dash.isEmpty()) {
            b.append(" stroke-dasharray=\"").append(dash).append('"');
        }
        b.append(" points=\"");
        for (int i = 0; i < t.size(); i++) {
            double f = Math.max(0, Math.min(1, fractions[i]));
            b.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(t.get(i).seconds(), tMax), BOTTOM - (BOTTOM - TOP) * f));
        }
        b.append("\"><title>").append(esc(label)).append("</title></polyline>\n");
        // the legend goes below the plot, one entry per series, so it never hides a line
        int entry = legend(b) - 1;
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>%n", LEFT + 160 * (entry % 4),
                BAND_BOTTOM + 34 + 14 * (entry / 4), color, esc(label)));
    }

    /** Number of legend lines written so far (one per series), to stack the labels. */
    private static int legend(StringBuilder b) {
        int count = 0;
        int at = 0;
        while ((at = b.indexOf("</polyline>", at)) >= 0) {
            count++;
            at++;
        }
        return count;
    }

    private static double x(double seconds, double tMax) {
        return LEFT + (RIGHT - LEFT) * seconds / tMax;
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
