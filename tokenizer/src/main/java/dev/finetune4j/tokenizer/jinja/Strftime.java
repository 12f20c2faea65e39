package dev.finetune4j.tokenizer.jinja;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/** Python's (glibc's) {@code strftime} for the directives chat templates use, in the C locale. */
final class Strftime {
    private Strftime() {
    }

    static String format(ZonedDateTime t, String fmt) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 >= fmt.length()) {
                b.append(c);
                continue;
            }
            char d = fmt.charAt(++i);
            boolean noPad = false;
            if (d == '-' && i + 1 < fmt.length()) {
                noPad = true;
                d = fmt.charAt(++i);
            }
            switch (d) {
                case 'a' -> b.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> b.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'b', 'h' -> b.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> b.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'd' -> b.append(pad(t.getDayOfMonth(), 2, noPad));
                case 'e' -> b.append(noPad ? String.valueOf(t.getDayOfMonth())
                        : String.format("%2d", t.getDayOfMonth()));
                case 'm' -> b.append(pad(t.getMonthValue(), 2, noPad));
                case 'y' -> b.append(pad(t.getYear() % 100, 2, noPad));
                case 'Y' -> b.append(t.getYear());
                case 'H' -> b.append(pad(t.getHour(), 2, noPad));
                case 'I' -> b.append(pad(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12, 2, noPad));
                case 'M' -> b.append(pad(t.getMinute(), 2, noPad));
                case 'S' -> b.append(pad(t.getSecond(), 2, noPad));
                case 'f' -> b.append(String.format("%06d", t.getNano() / 1000));
                case 'p' -> b.append(t.getHour() < 12 ? "AM" : "PM");
                case 'j' -> b.append(pad(t.getDayOfYear(), 3, noPad));
                case 'u' -> b.append(t.getDayOfWeek().getValue());
                case 'w' -> b.append(t.getDayOfWeek().getValue() % 7);
                case 'Z' -> b.append(t.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'z' -> b.append(t.getOffset().getId().equals("Z") ? "+0000"
                        : t.getOffset().getId().replace(":", ""));
                case 'F' -> b.append(String.format("%04d-%02d-%02d", t.getYear(), t.getMonthValue(),
                        t.getDayOfMonth()));
                case 'T' -> b.append(String.format("%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond()));
                case '%' -> b.append('%');
                default -> b.append('%').append(d);
            }
        }
        return b.toString();
    }

    private static String pad(int v, int width, boolean noPad) {
        return noPad ? String.valueOf(v) : String.format("%0" + width + "d", v);
    }
}
