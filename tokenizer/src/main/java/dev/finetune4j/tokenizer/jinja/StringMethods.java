package dev.finetune4j.tokenizer.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Python {@code str} methods templates call ({@code message.content.strip()}, {@code x.split('\n')}, …). */
final class StringMethods {
    private StringMethods() {
    }

    /** The bound method {@code s.name}, or null when str has no such (supported) method. */
    static PyCallable method(String s, String name) {
        return switch (name) {
            case "upper" -> (a, k) -> noArgs(name, a, k, s.toUpperCase(Locale.ROOT));
            case "lower" -> (a, k) -> noArgs(name, a, k, s.toLowerCase(Locale.ROOT));
            case "title" -> (a, k) -> noArgs(name, a, k, title(s));
            case "capitalize" -> (a, k) -> noArgs(name, a, k, capitalize(s));
            case "swapcase" -> (a, k) -> noArgs(name, a, k, swapcase(s));
            case "strip" -> (a, k) -> strip(s, chars(name, a, k), true, true);
            case "lstrip" -> (a, k) -> strip(s, chars(name, a, k), true, false);
            case "rstrip" -> (a, k) -> strip(s, chars(name, a, k), false, true);
            case "split" -> (a, k) -> {
                Args args = new Args(name, a, k, "sep", "maxsplit");
                return split(s, args.string(0, null), args.integer(1, -1));
            };
            case "rsplit" -> (a, k) -> {
                Args args = new Args(name, a, k, "sep", "maxsplit");
                return rsplit(s, args.string(0, null), args.integer(1, -1));
            };
            case "splitlines" -> (a, k) -> {
                Args args = new Args(name, a, k, "keepends");
                return splitlines(s, args.bool(0, false));
            };
            case "replace" -> (a, k) -> {
                Args.noKeywords("str.replace", k);
                Args args = new Args(name, a, k, "old", "new", "count");
                return replace(s, str(args.required(0, "old")), str(args.required(1, "new")), args.integer(2, -1));
            };
            case "startswith" -> (a, k) -> affix(name, s, a, k, true);
            case "endswith" -> (a, k) -> affix(name, s, a, k, false);
            case "count" -> (a, k) -> {
                Args.noKeywords("str.count", k);
                Args args = new Args(name, a, k, "sub");
                return count(s, str(args.required(0, "sub")));
            };
            case "find" -> (a, k) -> (long) indexOf(s, str(new Args(name, a, k, "sub").required(0, "sub")), false);
            case "rfind" -> (a, k) -> (long) indexOf(s, str(new Args(name, a, k, "sub").required(0, "sub")), true);
            case "index" -> (a, k) -> {
                int i = indexOf(s, str(new Args(name, a, k, "sub").required(0, "sub")), false);
                if (i < 0) {
                    throw new TemplateRuntimeException("ValueError: substring not found");
                }
                return (long) i;
            };
            case "join" -> (a, k) -> {
                Object items = new Args(name, a, k, "iterable").required(0, "iterable");
                StringBuilder b = new StringBuilder();
                List<Object> list = Py.iterate(items);
                RenderBudget budget = RenderBudget.current();
                for (int i = 0; i < list.size(); i++) {
                    if (!(list.get(i) instanceof String part)) {
                        throw new TemplateRuntimeException("TypeError: sequence item " + i
                                + ": expected str instance, " + Py.typeName(list.get(i)) + " found");
                    }
                    budget.chars((long) b.length() + s.length() + part.length(), "a string built with join");
                    if (i > 0) {
                        b.append(s);
                    }
                    b.append(part);
                }
                return b.toString();
            };
            case "isdigit", "isnumeric", "isdecimal" -> (a, k) -> noArgs(name, a, k,
                    !s.isEmpty() && s.codePoints().allMatch(Character::isDigit));
            case "isalpha" -> (a, k) -> noArgs(name, a, k, !s.isEmpty() && s.codePoints().allMatch(Character::isLetter));
            case "isalnum" -> (a, k) -> noArgs(name, a, k,
                    !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit));
            case "isspace" -> (a, k) -> noArgs(name, a, k, !s.isEmpty() && Py.isBlank(s));
            case "islower" -> (a, k) -> noArgs(name, a, k, isLower(s));
            case "isupper" -> (a, k) -> noArgs(name, a, k, isUpper(s));
            case "removeprefix" -> (a, k) -> {
                String p = str(new Args(name, a, k, "prefix").required(0, "prefix"));
                return s.startsWith(p) ? s.substring(p.length()) : s;
            };
            case "removesuffix" -> (a, k) -> {
                String p = str(new Args(name, a, k, "suffix").required(0, "suffix"));
                return !p.isEmpty() && s.endsWith(p) ? s.substring(0, s.length() - p.length()) : s;
            };
            case "zfill" -> (a, k) -> {
                long width = new Args(name, a, k, "width").integer(0, 0);
                if (s.length() >= width) {
                    return s;
                }
                RenderBudget.current().chars(width, "a string padded by zfill");
                String pad = "0".repeat((int) width - s.length());
                return !s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')
                        ? s.charAt(0) + pad + s.substring(1) : pad + s;
            };
            case "center", "ljust", "rjust" -> (a, k) -> {
                Args args = new Args(name, a, k, "width", "fillchar");
                long width = args.integer(0, 0);
                RenderBudget.current().chars(width, "a string padded by " + name);
                return pad(s, (int) Math.max(width, 0), args.string(1, " "), name);
            };
            case "format" -> (a, k) -> StrFormat.format(s, a, k);
            default -> null;
        };
    }

    private static Object noArgs(String name, List<Object> a, Map<String, Object> k, Object result) {
        if (!a.isEmpty() || !k.isEmpty()) {
            throw new TemplateRuntimeException("TypeError: str." + name + "() takes no arguments");
        }
        return result;
    }

    private static String chars(String name, List<Object> a, Map<String, Object> k) {
        Args.noKeywords("str." + name, k);
        return new Args(name, a, k, "chars").string(0, null);
    }

    private static String str(Object o) {
        if (!(o instanceof String s)) {
            throw new TemplateRuntimeException("TypeError: must be str, not " + Py.typeName(o));
        }
        return s;
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        if (chars == null) {
            String r = right ? Py.rstrip(s) : s;
            return left ? Py.lstrip(r) : r;
        }
        int start = 0;
        int end = s.length();
        if (left) {
            while (start < end && chars.indexOf(s.charAt(start)) >= 0) {
                start++;
            }
        }
        if (right) {
            while (end > start && chars.indexOf(s.charAt(end - 1)) >= 0) {
                end--;
            }
        }
        return s.substring(start, end);
    }

    static List<Object> split(String s, String sep, long maxsplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && Py.isSpace(s.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    break;
                }
                if (maxsplit >= 0 && out.size() == maxsplit) {
                    out.add(s.substring(i));
                    break;
                }
                int j = i;
                while (j < n && !Py.isSpace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw new TemplateRuntimeException("ValueError: empty separator");
        }
        int start = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int idx = s.indexOf(sep, start);
            if (idx < 0) {
                break;
            }
            out.add(s.substring(start, idx));
            start = idx + sep.length();
        }
        out.add(s.substring(start));
        return out;
    }

    static List<Object> rsplit(String s, String sep, long maxsplit) {
        if (maxsplit < 0) {
            return split(s, sep, maxsplit);
        }
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int j = s.length();
            while (true) {
                while (j > 0 && Py.isSpace(s.charAt(j - 1))) {
                    j--;
                }
                if (j <= 0) {
                    break;
                }
                if (out.size() == maxsplit) {
                    out.add(0, s.substring(0, j));
                    break;
                }
                int i = j;
                while (i > 0 && !Py.isSpace(s.charAt(i - 1))) {
                    i--;
                }
                out.add(0, s.substring(i, j));
                j = i;
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw new TemplateRuntimeException("ValueError: empty separator");
        }
        int end = s.length();
        while (out.size() < maxsplit) {
            int idx = s.lastIndexOf(sep, end - sep.length());
            if (idx < 0) {
                break;
            }
            out.add(0, s.substring(idx + sep.length(), end));
            end = idx;
        }
        out.add(0, s.substring(0, end));
        return out;
    }

    private static List<Object> splitlines(String s, boolean keepEnds) {
        List<Object> out = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            boolean lineBreak = c == '\n' || c == '\r' || c == '\u000b' || c == '\u000c' || c == '\u001c'
                    || c == '\u001d' || c == '\u001e' || c == '\u0085' || c == '\u2028' || c == '\u2029';
            if (lineBreak) {
                int end = i;
                if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                    i++;
                }
                out.add(keepEnds ? s.substring(start, i + 1) : s.substring(start, end));
                start = i + 1;
            }
            i++;
        }
        if (start < s.length()) {
            out.add(s.substring(start));
        }
        return out;
    }

    static String replace(String s, String old, String replacement, long count) {
        if (replacement.length() > old.length()) {
            // the result's length is known before building it: occurrences (or gaps, for "") times the growth
            long n = old.isEmpty() ? s.length() + 1L : occurrences(s, old);
            long grown = s.length() + RenderBudget.times(count < 0 ? n : Math.min(n, count),
                    replacement.length() - old.length());
            RenderBudget.current().chars(grown, "a string built with replace");
        }
        if (count < 0) {
            if (old.isEmpty()) {
                return replace(s, old, replacement, Integer.MAX_VALUE);
            }
            return s.replace(old, replacement);
        }
        StringBuilder b = new StringBuilder();
        if (old.isEmpty()) {
            int done = 0;
            int i = 0;
            while (i <= s.length()) {
                if (done < count) {
                    b.append(replacement);
                    done++;
                }
                if (i < s.length()) {
                    b.append(s.charAt(i));
                }
                i++;
            }
            return b.toString();
        }
        int start = 0;
        int done = 0;
        while (done < count) {
            int idx = s.indexOf(old, start);
            if (idx < 0) {
                break;
            }
            b.append(s, start, idx).append(replacement);
            start = idx + old.length();
            done++;
        }
        return b.append(s.substring(start)).toString();
    }

    private static Object affix(String name, String s, List<Object> a, Map<String, Object> k, boolean prefix) {
        Args.noKeywords("str." + name, k);
        Args args = new Args(name, a, k, "affix", "start", "end");
        Object affix = args.required(0, "prefix");
        int len = s.length();
        int start = (int) clampIndex(args.has(1) && args.get(1, null) != null ? args.integer(1, 0) : 0, len);
        int end = (int) clampIndex(args.has(2) && args.get(2, null) != null ? args.integer(2, len) : len, len);
        String region = start <= end ? s.substring(start, end) : "";
        List<Object> options = affix instanceof PyTuple t ? t.items() : List.of(affix);
        for (Object o : options) {
            if (!(o instanceof String str)) {
                throw new TemplateRuntimeException("TypeError: " + name + " first arg must be str or a tuple of str, "
                        + "not " + Py.typeName(o));
            }
            if (start > len) {
                continue;
            }
            if (prefix ? region.startsWith(str) : region.endsWith(str)) {
                return true;
            }
        }
        return false;
    }

    private static long clampIndex(long i, int len) {
        if (i < 0) {
            i += len;
        }
        return Math.max(0, Math.min(len, i));
    }

    static long count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.codePointCount(0, s.length()) + 1L;
        }
        long n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
            n++;
        }
        return n;
    }

    private static int indexOf(String s, String sub, boolean last) {
        int i = last ? s.lastIndexOf(sub) : s.indexOf(sub);
        return i < 0 ? -1 : s.codePointCount(0, i);
    }

    private static boolean isCased(int c) {
        return Character.isUpperCase(c) || Character.isLowerCase(c) || Character.isTitleCase(c);
    }

    /** Python's {@code str.title}: upper-case a cased char after an uncased one, lower-case the rest. */
    static String title(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            if (prevCased) {
                b.append(new String(Character.toChars(c)).toLowerCase(Locale.ROOT));
            } else {
                b.append(titleCase(c));
            }
            prevCased = isCased(c);
            i += Character.charCount(c);
        }
        return b.toString();
    }

    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        return titleCase(first) + s.substring(Character.charCount(first)).toLowerCase(Locale.ROOT);
    }

    /** Full title-case mapping of one code point (ß → Ss, ǆ → ǅ), as Python's title() and capitalize() use. */
    private static String titleCase(int c) {
        String upper = new String(Character.toChars(c)).toUpperCase(Locale.ROOT);
        if (upper.codePointCount(0, upper.length()) > 1) {
            int first = upper.codePointAt(0);
            return new String(Character.toChars(first))
                    + upper.substring(Character.charCount(first)).toLowerCase(Locale.ROOT);
        }
        return new String(Character.toChars(Character.toTitleCase(c)));
    }

    private static String swapcase(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> b.appendCodePoint(Character.isUpperCase(c) ? Character.toLowerCase(c)
                : Character.isLowerCase(c) ? Character.toUpperCase(c) : c));
        return b.toString();
    }

    static boolean isLower(String s) {
        boolean cased = false;
        for (int c : s.codePoints().toArray()) {
            if (Character.isUpperCase(c) || Character.isTitleCase(c)) {
                return false;
            }
            cased |= Character.isLowerCase(c);
        }
        return cased;
    }

    static boolean isUpper(String s) {
        boolean cased = false;
        for (int c : s.codePoints().toArray()) {
            if (Character.isLowerCase(c) || Character.isTitleCase(c)) {
                return false;
            }
            cased |= Character.isUpperCase(c);
        }
        return cased;
    }

    private static long occurrences(String s, String sub) {
        long n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
            n++;
        }
        return n;
    }

    private static String pad(String s, int width, String fill, String how) {
        int len = s.codePointCount(0, s.length());
        if (fill.codePointCount(0, fill.length()) != 1) {
            throw new TemplateRuntimeException("TypeError: The fill character must be exactly one character long");
        }
        if (width <= len) {
            return s;
        }
        int total = width - len;
        return switch (how) {
            case "ljust" -> s + fill.repeat(total);
            case "rjust" -> fill.repeat(total) + s;
            default -> {
                int left = total / 2 + (total & width & 1);
                yield fill.repeat(left) + s + fill.repeat(total - left);
            }
        };
    }
}
