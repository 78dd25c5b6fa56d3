package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.TableId;
import io.ferry.mysql.AlterTable.Added;
import io.ferry.mysql.AlterTable.Dropped;
import io.ferry.mysql.AlterTable.Renamed;
import io.ferry.mysql.AlterTable.TableRenamed;
import org.junit.jupiter.api.Test;

/** What the column history reads from an ALTER TABLE statement, as the binlog's QUERY event carries it. */
class AlterTableTest {

    @Test
    void renamesChangesDropsAndAddsInStatementOrder() {
        AlterTable a = AlterTable.parse("/* app */ alter table `shop`.`Order Lines` RENAME COLUMN `a``b` TO c,"
                + " change COLUMN d `e f` varchar(10) DEFAULT 'x,y' AFTER c, DROP COLUMN g, drop h,"
                + " ADD COLUMN i int DEFAULT (1 + 2), ADD (j int, k text), MODIFY l bigint, ADD INDEX ix (i),"
                + " DROP PRIMARY KEY, ADD PRIMARY KEY (i, j), CHANGE m m int", "other");
        assertThat(a.table()).isEqualTo(new TableId("shop", "Order Lines"));
        assertThat(a.ops()).containsExactly(new Renamed("a`b", "c"), new Renamed("d", "e f"), new Dropped("g"),
                new Dropped("h"), new Added("i", false), new Added("j", true), new Added("k", true));
    }

    @Test
    void anAddedColumnLeavesRowsNullOnlyWithoutAnythingThatFillsThem() {
        AlterTable a = AlterTable.parse("ALTER TABLE t ADD COLUMN a int, ADD b varchar(10) NULL COMMENT 'default as',"
                + " ADD `default` int, ADD c int DEFAULT NULL, ADD d int NOT NULL, ADD e int AS (id * 2),"
                + " ADD f int GENERATED ALWAYS AS (id) STORED, ADD g bigint AUTO_INCREMENT, ADD h SERIAL,"
                + " ADD i timestamp NULL, ADD j datetime(6) DEFAULT CURRENT_TIMESTAMP(6), ADD k json", "db");
        // Conservative: DEFAULT NULL and a nullable timestamp could be skipped, but the words alone do not prove it.
        assertThat(a.ops()).containsExactly(new Added("a", true), new Added("b", true), new Added("default", true),
                new Added("c", false), new Added("d", false), new Added("e", false), new Added("f", false),
                new Added("g", false), new Added("h", false), new Added("i", false), new Added("j", false),
                new Added("k", true));
    }

    @Test
    void aTableRenameAndTheDefaultDatabase() {
        AlterTable a = AlterTable.parse("ALTER TABLE t1 RENAME TO t2", "db");
        assertThat(a.table()).isEqualTo(new TableId("db", "t1"));
        assertThat(a.ops()).containsExactly(new TableRenamed(new TableId("db", "t2")));
    }

    @Test
    void otherStatementsAreNotAlterTable() {
        assertThat(AlterTable.parse("ALTER USER u IDENTIFIED BY 'x'", "db")).isNull();
        assertThat(AlterTable.parse("CREATE TABLE t (id int)", "db")).isNull();
    }
}
