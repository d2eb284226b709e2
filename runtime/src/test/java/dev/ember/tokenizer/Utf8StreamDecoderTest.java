package dev.ember.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Utf8StreamDecoderTest {
    private static final String LLAMA = "\uD83E\uDD99"; // U+1F999, F0 9F A6 99

    @Test
    void fourByteEmojiSplitOverFourFeeds() {
        Utf8StreamDecoder d = new Utf8StreamDecoder();
        byte[] b = LLAMA.getBytes(StandardCharsets.UTF_8);
        assertEquals(4, b.length);
        assertEquals("", d.feed(new byte[] {b[0]}));
        assertEquals("", d.feed(new byte[] {b[1]}));
        assertEquals("", d.feed(new byte[] {b[2]}));
        assertTrue(d.hasPending());
        assertEquals(LLAMA, d.feed(new byte[] {b[3]}));
        assertFalse(d.hasPending());
        assertEquals("", d.finish());
    }

    @Test
    void textAroundASplitCharacterComesOutAsSoonAsItIsComplete() {
        Utf8StreamDecoder d = new Utf8StreamDecoder();
        byte[] e = "é".getBytes(StandardCharsets.UTF_8); // C3 A9
        assertEquals("ab", d.feed(new byte[] {'a', 'b', e[0]}));
        assertEquals("éc", d.feed(new byte[] {e[1], 'c'}));
    }

    @Test
    void theSameBytesAsSpmByteFallbackTokens() {
        // llama-spm tokenizes " this is 🦙.cpp" with the emoji as four <0xNN> tokens: 243 162 169 156
        Tokenizer t = ReferenceCaseTests.tokenizer("ggml-vocab-llama-spm.gguf");
        Utf8StreamDecoder d = new Utf8StreamDecoder();
        StringBuilder out = new StringBuilder();
        for (int id : new int[] {29871, 445, 338, 29871, 243, 162, 169, 156, 29889, 8223}) {
            String s = d.feed(t.decodePiece(id, false));
            assertFalse(s.contains("\uFFFD"), "no half characters are emitted");
            out.append(s);
        }
        out.append(d.finish());
        assertEquals("  this is " + LLAMA + ".cpp", out.toString());
    }

    @Test
    void invalidBytesBecomeReplacementCharactersOnceCertain() {
        Utf8StreamDecoder d = new Utf8StreamDecoder();
        // 0xFF can never appear in UTF-8: replaced at once
        assertEquals("a\uFFFDb", d.feed(new byte[] {'a', (byte) 0xFF, 'b'}));
        // a lone continuation byte
        assertEquals("\uFFFD", d.feed(new byte[] {(byte) 0x80}));
        // a lead byte followed by a non-continuation: the lead is replaced, the ASCII byte kept
        assertEquals("", d.feed(new byte[] {(byte) 0xE2}));
        assertEquals("\uFFFDx", d.feed(new byte[] {'x'}));
        // E0 80 is an overlong prefix: impossible already after two bytes
        assertEquals("\uFFFD\uFFFD", d.feed(new byte[] {(byte) 0xE0, (byte) 0x80}));
        assertFalse(d.hasPending());
    }

    @Test
    void aSequenceCutShortByTheEndBecomesOneReplacementCharacter() {
        Utf8StreamDecoder d = new Utf8StreamDecoder();
        assertEquals("ok", d.feed(new byte[] {'o', 'k', (byte) 0xF0, (byte) 0x9F, (byte) 0xA6}));
        assertEquals("\uFFFD", d.finish());
        assertEquals("z", d.feed(new byte[] {'z'}), "usable again after finish");
    }
}
