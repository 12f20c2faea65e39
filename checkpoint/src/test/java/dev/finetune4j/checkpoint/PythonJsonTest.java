package dev.finetune4j.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class PythonJsonTest {
    @Test
    void floatReprMatchesPython() {
        // values and their Python repr()
        assertEquals("1e-05", PythonJson.floatRepr(1e-5));
        assertEquals("0.0001", PythonJson.floatRepr(1e-4));
        assertEquals("10000.0", PythonJson.floatRepr(1e4));
        assertEquals("500000.0", PythonJson.floatRepr(500000.0));
        assertEquals("1e+16", PythonJson.floatRepr(1e16));
        assertEquals("1234567890123456.0", PythonJson.floatRepr(1234567890123456.0));
        assertEquals("0.1", PythonJson.floatRepr(0.1));
        assertEquals("-2.5e-07", PythonJson.floatRepr(-2.5e-7));
        assertEquals("0.0", PythonJson.floatRepr(0.0));
        assertEquals("1.7976931348623157e+308", PythonJson.floatRepr(Double.MAX_VALUE));
    }

    @Test
    void dumpsLikeJsonDumpsIndent2SortKeys() throws Exception {
        String in = "{\"r\":8,\"target_modules\":[\"q_proj\",\"v_proj\"],\"alpha_pattern\":{},\"x\":[],"
                + "\"lora_dropout\":0.05,\"name\":\"caf\u00e9\",\"n\":null,\"b\":true}";
        String expected = "{\n  \"alpha_pattern\": {},\n  \"b\": true,\n  \"lora_dropout\": 0.05,\n  \"n\": null,\n"
                + "  \"name\": \"caf\\u00e9\",\n  \"r\": 8,\n  \"target_modules\": [\n    \"q_proj\",\n    \"v_proj\"\n"
                + "  ],\n  \"x\": []\n}";
        assertEquals(expected, PythonJson.dumps(new ObjectMapper().readTree(in), true));
    }
}
