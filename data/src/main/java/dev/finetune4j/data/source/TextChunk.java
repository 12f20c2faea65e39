package dev.finetune4j.data.source;

/**
 * A piece of a continued-pretraining document. Large .txt files arrive in pieces cut at line ends so they are
 * never held whole; a JSONL {@code {"text"}} line is one piece that is both first and last.
 *
 * @param text     the text of this piece
 * @param document running index of the document
 * @param first    whether this is the document's first piece (gets the tokenizer's BOS)
 * @param last     whether the document ends here (EOS follows)
 */
public record TextChunk(String text, int document, boolean first, boolean last) implements Example {
}
