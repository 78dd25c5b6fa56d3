package io.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry demo}, the README's first command, syncs the demo shop through Kafka and verifies the copy. */
class DemoCommandTest {

    @Test
    void theDemoSyncsTheShopAndVerifiesTheCopy(@TempDir Path dir) {
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int exit;
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            exit = Ferry.execute("demo", "--rows", "5000", "--seconds", "4", "--dir", dir.toString());
        } finally {
            System.setOut(stdout);
        }
        String out = printed.toString(StandardCharsets.UTF_8);
        stdout.print(out);
        assertThat(exit).as(out).isZero();
        assertThat(out).contains("Snapshot: ", "ALTER TABLE customers ADD COLUMN loyalty_tier text",
                "VERIFIED: replica matches shop");
    }
}
