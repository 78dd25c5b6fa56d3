package io.ferry.ops;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.core.FerryException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The body of {@code POST /pipelines/{name}/snapshot}: {@code {"tables": ["public.orders", ...]}}. */
final class SnapshotBody {

    private static final String SHAPE = "; send {\"tables\": [\"schema.table\", ...]}";

    private SnapshotBody() {
    }

    /** The table names the body lists, in order; anything else is a {@link FerryException} saying what is wrong. */
    static List<String> tables(byte[] body) {
        JsonNode doc;
        try {
            doc = StatusJson.MAPPER.readTree(new String(body, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new FerryException("the request body is not JSON (" + e.getOriginalMessage() + ")" + SHAPE);
        }
        if (doc == null || doc.isMissingNode() || !doc.isObject()) {
            throw new FerryException("the request body is not a JSON object" + SHAPE);
        }
        JsonNode tables = doc.get("tables");
        if (tables == null || !tables.isArray()) {
            throw new FerryException("the request body has no \"tables\" array" + SHAPE);
        }
        if (tables.isEmpty()) {
            throw new FerryException("\"tables\" is empty: name at least one table to copy" + SHAPE);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode t : tables) {
            if (!t.isTextual()) {
                throw new FerryException("\"tables\" holds " + t + ", which is not a table name" + SHAPE);
            }
            out.add(t.asText());
        }
        return out;
    }
}
