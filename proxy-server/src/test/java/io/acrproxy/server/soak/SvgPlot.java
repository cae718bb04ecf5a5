package io.acrproxy.server.soak;

import java.util.List;
import java.util.Locale;

/**
 * The RSS and file-descriptor curves of a soak as an SVG line chart: two panels sharing the time axis, written as
 * plain text so that no plotting library is needed.
 */
final class SvgPlot {
    private static final int WIDTH = 900;
    private static final int PANEL = 220;
    private static final int LEFT = 80;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int GAP = 60;

    private SvgPlot() {
    }

    static String render(String title, List<Sampler.Sample> samples, double warmUpSeconds) {
        double tMax = samples.isEmpty() ? 1 : Math.max(1, samples.get(samples.size() - 1).seconds());
        StringBuilder svg = new StringBuilder();
        int height = TOP + 2 * PANEL + GAP + 50;
        svg.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n",
                WIDTH, height));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, height));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\">%s</text>%n", LEFT, escape(title)));
        panel(svg, samples, tMax, warmUpSeconds, TOP, "RSS (MiB)", "#1f77b4", s -> s.rssKib() / 1024.0);
        panel(svg, samples, tMax, warmUpSeconds, TOP + PANEL + GAP, "open file descriptors", "#d62728", s -> s.fds());
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">time (s)</text>%n", WIDTH / 2, height - 10));
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static void panel(StringBuilder svg, List<Sampler.Sample> samples, double tMax, double warmUp, int top,
                              String label, String colour, java.util.function.ToDoubleFunction<Sampler.Sample> value) {
        double vMax = 1;
        for (Sampler.Sample s : samples) {
            vMax = Math.max(vMax, value.applyAsDouble(s));
        }
        vMax = niceCeiling(vMax * 1.1);
        int plotWidth = WIDTH - LEFT - RIGHT;
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n",
                LEFT, top, plotWidth, PANEL));
        for (int i = 0; i <= 4; i++) {
            double v = vMax * i / 4;
            double y = top + PANEL - PANEL * i / 4.0;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>%n",
                    LEFT, y, LEFT + plotWidth, y));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>%n", LEFT - 6, y + 4, v));
        }
        for (int i = 0; i <= 6; i++) {
            double t = tMax * i / 6;
            double x = LEFT + plotWidth * i / 6.0;
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0f</text>%n", x, top + PANEL + 16, t));
        }
        double wx = LEFT + plotWidth * Math.min(1, warmUp / tMax);
        svg.append(String.format(Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\" stroke-dasharray=\"4,3\"/>"
                        + "<text x=\"%.1f\" y=\"%d\" fill=\"#666\">end of warm-up</text>%n",
                wx, top, wx, top + PANEL, wx + 4, top + 14));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>%n", LEFT, top - 6, colour, escape(label)));
        StringBuilder points = new StringBuilder();
        for (Sampler.Sample s : samples) {
            double x = LEFT + plotWidth * s.seconds() / tMax;
            double y = top + PANEL - PANEL * value.applyAsDouble(s) / vMax;
            points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        }
        svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"/>%n",
                colour, points.toString().trim()));
    }

    /** 1, 2 or 5 times a power of ten, at least {@code v}: round numbers on the axis. */
    private static double niceCeiling(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
