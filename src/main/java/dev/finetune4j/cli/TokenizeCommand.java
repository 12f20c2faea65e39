package dev.finetune4j.cli;

import dev.finetune4j.fetch.HubInputs;
import dev.finetune4j.tokenizer.HfTokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code finetune4j tokenize}: encodes text with a model's tokenizer folder and prints {@code {"ids": [...]}} (with
 * the tokenizer's special tokens unless {@code --no-special-tokens}).
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Encodes text with a model's tokenizer folder; prints {\"ids\": [...]}.")
public final class TokenizeCommand implements Callable<Integer> {

    @Option(names = "--tokenizer", required = true, paramLabel = "DIR",
            description = "Tokenizer folder (tokenizer.json, tokenizer_config.json, ...), or a Hub model id org/name[@rev].")
    String tokenizer;

    @ArgGroup(exclusive = true, multiplicity = "1")
    TextSource source;

    static final class TextSource {
        @Option(names = "--text", paramLabel = "T", description = "The text to encode.")
        String text;

        @Option(names = "--text-file", paramLabel = "F", description = "A UTF-8 file whose whole content is encoded.")
        Path textFile;
    }

    @Option(names = "--no-special-tokens", description = "Do not add BOS/EOS (add_special_tokens=False).")
    boolean noSpecialTokens;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        String text = source.text != null ? source.text : readUtf8(source.textFile, "--text-file", spec);
        int[] ids;
        try (HfTokenizer tok = HfTokenizer.load(HubInputs.modelFolder(tokenizer, true))) {
            ids = tok.encode(text, !noSpecialTokens);
        }
        StringBuilder json = new StringBuilder("{\"ids\": [");
        for (int i = 0; i < ids.length; i++) {
            if (i > 0) {
                json.append(", ");
            }
            json.append(ids[i]);
        }
        json.append("]}\n");
        byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
        PrintStream out = System.out;
        out.write(bytes, 0, bytes.length);
        out.flush();
        return 0;
    }

    /** Reads a whole file as strict UTF-8; a missing or non-UTF-8 file is a usage error naming the option. */
    static String readUtf8(Path file, String option, CommandLine.Model.CommandSpec spec) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " " + file
                    + " is not valid UTF-8 text");
        } catch (IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "cannot read " + option + " " + file + ": "
                    + e.getMessage());
        }
    }
}
