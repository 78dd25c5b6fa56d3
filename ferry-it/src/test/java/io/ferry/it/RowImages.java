package io.ferry.it;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The checking side of an end-to-end test, independent of Ferry's verifier: every row of a table as
 * PostgreSQL's own text form of the whole row ({@code t::text}), in key order. An enum or unknown source
 * type becomes text in the target, and their text forms are the same, so equal lists mean equal tables.
 */
final class RowImages {

    private RowImages() {
    }

    /** {@code SELECT t::text FROM table t ORDER BY orderBy}. */
    static List<String> of(Connection c, String qualifiedTable, String orderBy) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT t::text FROM " + qualifiedTable + " t ORDER BY " + orderBy)) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }
}
