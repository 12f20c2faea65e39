package dev.finetune4j.checkpoint.torch;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Decoding of the text forms used by pickle protocol 0 (quoted {@code repr} strings, raw-unicode-escape). */
final class PythonLiterals {
    private PythonLiterals() {
    }

    /** A protocol-0 STRING argument: a quoted Python 2 str repr, decoded as torch does (UTF-8). */
    static String unquoteBytesRepr(String s) {
        if (s.length() < 2 || (s.charAt(0) != '\'' && s.charAt(0) != '"') || s.charAt(s.length() - 1) != s.charAt(0)) {
            throw new IllegalArgumentException("STRING opcode argument is not quoted: " + s);
        }
        String body = s.substring(1, s.length() - 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c != '\\') {
                out.write(c);
                continue;
            }
            if (++i >= body.length()) {
                throw new IllegalArgumentException("dangling backslash in STRING " + s);
            }
            char e = body.charAt(i);
            switch (e) {
                case 'n': out.write('\n'); break;
                case 't': out.write('\t'); break;
                case 'r': out.write('\r'); break;
                case '\\': out.write('\\'); break;
                case '\'': out.write('\''); break;
                case '"': out.write('"'); break;
                case 'x':
                    out.write(Integer.parseInt(body.substring(i + 1, i + 3), 16));
                    i += 2;
                    break;
                default:
                    if (e >= '0' && e <= '7') {
                        int j = i;
                        while (j < body.length() && j < i + 3 && body.charAt(j) >= '0' && body.charAt(j) <= '7') {
                            j++;
                        }
                        out.write(Integer.parseInt(body.substring(i, j), 8));
                        i = j - 1;
                    } else {
                        out.write('\\');
                        out.write(e);
                    }
            }
        }
        return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }

    /** A protocol-0 UNICODE argument (raw-unicode-escape: only \\uXXXX and \\UXXXXXXXX are escapes). */
    static String rawUnicodeEscape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && (s.charAt(i + 1) == 'u' || s.charAt(i + 1) == 'U')) {
                int len = s.charAt(i + 1) == 'u' ? 4 : 8;
                b.appendCodePoint(Integer.parseInt(s.substring(i + 2, i + 2 + len), 16));
                i += 1 + len;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
