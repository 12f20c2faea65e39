package dev.finetune4j.hub;

import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * File-name patterns as huggingface_hub's {@code allow_patterns} reads them (fnmatch): {@code *} matches any
 * characters including {@code /}, {@code ?} one character, {@code [..]} a set.
 */
public final class Globs {

    private Globs() {
    }

    /** A predicate true for names matching any of {@code patterns}. */
    public static Predicate<String> anyOf(List<String> patterns) {
        List<Pattern> compiled = patterns.stream().map(Globs::compile).toList();
        return name -> compiled.stream().anyMatch(p -> p.matcher(name).matches());
    }

    static Pattern compile(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                case '[' -> {
                    int end = glob.indexOf(']', i + 1);
                    if (end < 0) {
                        re.append("\\[");
                    } else {
                        re.append('[');
                        for (int k = i + 1; k < end; k++) {
                            char d = glob.charAt(k);
                            if (k == i + 1 && d == '!') {
                                re.append('^');
                            } else if (d == '-' || Character.isLetterOrDigit(d)) {
                                re.append(d);
                            } else {
                                re.append('\\').append(d);
                            }
                        }
                        re.append(']');
                        i = end;
                    }
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }
}
