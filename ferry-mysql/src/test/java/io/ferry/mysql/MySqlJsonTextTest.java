package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Doubles in JSON print as MySQL 8.0 prints them (each expected text was read from a real server). */
class MySqlJsonTextTest {

    @ParameterizedTest
    @CsvSource({
            "1e300, 1e300", "2.5, 2.5", "1.0, 1.0", "0.1, 0.1", "1e-7, 0.0000001", "1e15, 1e15",
            "1e14, 100000000000000.0", "1.5e17, 1.5e17", "123456780000000, 123456780000000.0", "-0.0, -0.0",
            "1e-5, 0.00001", "3.14159265358979, 3.14159265358979", "100, 100.0", "1e22, 1e22", "5e-324, 5e-324",
            "1e-33, 1e-33", "1.5e-31, 1.5e-31", "1.23456789e-30, 1.23456789e-30", "99999999999999.9, 99999999999999.9",
            "1234567890123456.8, 1234567890123456.8", "-1.5e-7, -0.00000015", "1e100, 1e100"})
    void doublesUseMySqlsFixedOrExponentFormat(double value, String mysql) {
        assertThat(MySqlJsonText.doubleText(value)).isEqualTo(mysql);
    }
}
