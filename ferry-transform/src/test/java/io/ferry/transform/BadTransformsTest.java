package io.ferry.transform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ferry.core.config.ConfigException;
import io.ferry.core.config.PipelineConfig;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed transform declarations: each gives exactly one line naming the file, the line and the key. The first
 * group is caught while the file is read; the second needs the table's columns, and is caught at start by
 * {@link Transforms#validate} (ferry run and ferry verify exit 2 on both).
 */
class BadTransformsTest {

    static Stream<Arguments> whileReading() {
        return Stream.of(
                bad("  - tables: public.t\n    filter: \"row.tenant ==\"\n", 9, "transforms[0].filter", "syntax error"),
                bad("  - tables: public.t\n    filter: \"op == 'd'\"\n", 9, "transforms[0].filter", "not op"),
                bad("  - tables: public.t\n    compute: {x: \"row.a +* 1\"}\n", 9, "transforms[0].compute.x", "syntax error"),
                bad("  - tables: public.t\n    compute: {x: \"\"}\n", 9, "transforms[0].compute.x", "empty"),
                bad("  - filter: \"true\"\n", 8, "transforms[0]", "missing required key 'tables'"),
                bad("  - tables: public.t\n    mask: {email: scramble}\n", 9, "transforms[0].mask.email", "not a mask"),
                bad("  - tables: public.t\n    mask: {email: truncate(0)}\n", 9, "transforms[0].mask.email", "at least 1"),
                bad("  - tables: public.t\n    mask: {email: hash}\n", 8, "transforms[0].salt", "needs a salt"),
                bad("  - tables: public.t\n    include: [a]\n    exclude: [b]\n", 8, "transforms[0].exclude", "not both"),
                bad("  - tables: public.t\n    deletes: sometimes\n", 9, "transforms[0].deletes", "keep, skip or soft"),
                bad("  - tables: public.t\n    route: {match: 'orders_(\\d+', to: x}\n", 9, "transforms[0].route.match",
                        "not a valid regular expression"),
                bad("  - tables: public.t\n    route: {match: 'orders_(\\d+)', to: 'o_$2'}\n", 9,
                        "transforms[0].route.to", "$2 names no group"),
                bad("  - tables: public.t\n    route: {to: x, into: y}\n", 9, "transforms[0].route.into", "unknown key"),
                bad("  - tables: public.t\n    filtr: \"true\"\n", 9, "transforms[0].filtr", "did you mean 'filter'"),
                bad("  tables: public.t\n", 8, "transforms", "expected a list of entries"),
                bad("  - tables: public.t\n    rename: {a: \"b c\"}\n", 9, "transforms[0].rename.a", "not a column name"));
    }

    static Stream<Arguments> atStart() {
        return Stream.of(
                bad("  - tables: public.orders_07\n    filter: \"row.tenantt == 'x'\"\n", 9, "transforms[0].filter",
                        "undefined field 'tenantt'"),
                bad("  - tables: public.orders_07\n    filter: \"row.tenant\"\n", 9, "transforms[0].filter",
                        "must be true or false"),
                bad("  - tables: public.orders_07\n    filter: \"row.id + 'a' > 1\"\n", 9, "transforms[0].filter",
                        "no matching overload"),
                bad("  - tables: public.orders_07\n    mask: {phone: redact}\n", 9, "transforms[0].mask.phone",
                        "has no column phone"),
                bad("  - tables: public.orders_07\n    mask: {amount: truncate(2)}\n", 9, "transforms[0].mask.amount",
                        "truncate applies to text columns"),
                bad("  - tables: public.orders_07\n    mask: {id: redact}\n", 9, "transforms[0].mask.id",
                        "cannot be redacted"),
                bad("  - tables: public.orders_07\n    exclude: [id]\n", 9, "transforms[0].exclude", "cannot be excluded"),
                bad("  - tables: public.orders_07\n    compute: {tenant: \"'x'\"}\n", 9, "transforms[0].compute.tenant",
                        "two columns named tenant"),
                bad("  - tables: public.orders_07\n    compute: {x: \"[1, 2]\"}\n", 9, "transforms[0].compute.x",
                        "must give bool, int"));
    }

    private static Arguments bad(String entries, int line, String key, String what) {
        return Arguments.of("transforms:\n" + entries, line, key, what);
    }

    @ParameterizedTest
    @MethodSource("whileReading")
    void isRefusedWhileReading(String yaml, int line, String key, String what) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> TestPipelines.parse(yaml));
        assertOneLine(e, line, key, what);
    }

    @ParameterizedTest
    @MethodSource("atStart")
    void isRefusedAtStart(String yaml, int line, String key, String what) {
        PipelineConfig config = TestPipelines.parse(yaml);
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> Transforms.capture(config).validate(List.of(TestPipelines.ORDERS)));
        assertOneLine(e, line, key, what);
    }

    @ParameterizedTest
    @MethodSource("whileReading")
    void isRefusedUnderSinkToo(String yaml, int line, String key, String what) {
        if (yaml.contains("route")) {
            return;
        }
        String sink = "sink:\n  type: postgres\n  database: d\n  user: u\n  " + yaml.replace("\n", "\n  ").stripTrailing() + "\n";
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> TestPipelines.parse(sink));
        assertThat(e).isNotNull();
        assertThat(e.getMessage().lines().count()).isEqualTo(1);
        assertThat(e.getMessage()).startsWith("pipeline.yaml:").contains("sink." + key).contains(what);
    }

    private static void assertOneLine(ConfigException e, int line, String key, String what) {
        assertThat(e).as("refused").isNotNull();
        assertThat(e.getMessage().lines().count()).as(e.getMessage()).isEqualTo(1);
        assertThat(e.getMessage()).startsWith("pipeline.yaml:" + line + ": " + key + ": ").contains(what);
    }
}
