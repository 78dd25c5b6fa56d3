package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Decoding pgoutput v1 messages built byte by byte, as the protocol documentation describes them. */
class PgoutputDecoderTest {

    private final List<String> seen = new ArrayList<>();
    private final List<Object[]> images = new ArrayList<>();

    private final PgoutputDecoder decoder = new PgoutputDecoder((oid, schema, table, names, types, typmods, identity) -> {
        List<Column> cols = new ArrayList<>();
        ValueDecoder[] decoders = new ValueDecoder[names.length];
        List<String> key = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            TypeKind kind = TypeCatalog.builtinKind(types[i]);
            cols.add(new Column(names[i], ColumnType.of(kind, "t" + types[i]), true));
            decoders[i] = TextValues.forKind(kind, null, ',');
            if (identity[i]) {
                key.add(names[i]);
            }
        }
        return new PgRelation(oid, new TableSchema(new TableId(schema, table), 0, cols, key), decoders, identity);
    });

    private final PgoutputDecoder.Listener listener = new PgoutputDecoder.Listener() {
        @Override
        public void begin(long finalLsn, long commitMicros, long xid) {
            seen.add("begin " + finalLsn + " " + commitMicros + " " + xid);
        }

        @Override
        public void commit(long commitLsn, long endLsn, long commitMicros) {
            seen.add("commit " + commitLsn + " " + endLsn + " " + commitMicros);
        }

        @Override
        public void insert(PgRelation relation, Object[] after) {
            seen.add("insert " + relation.shape.table());
            images.add(after);
        }

        @Override
        public void update(PgRelation relation, Object[] before, Object[] after) {
            seen.add("update " + relation.shape.table());
            images.add(before);
            images.add(after);
        }

        @Override
        public void delete(PgRelation relation, Object[] before) {
            seen.add("delete " + relation.shape.table());
            images.add(before);
        }

        @Override
        public void truncate(List<PgRelation> relations) {
            seen.add("truncate " + relations.stream().map(r -> r.shape.table().toString()).toList());
        }
    };

    /** A message under construction, in network byte order. */
    private static final class Msg {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final DataOutputStream out = new DataOutputStream(bytes);

        Msg(char tag) throws IOException {
            out.writeByte(tag);
        }

        Msg b(int v) throws IOException {
            out.writeByte(v);
            return this;
        }

        Msg i16(int v) throws IOException {
            out.writeShort(v);
            return this;
        }

        Msg i32(int v) throws IOException {
            out.writeInt(v);
            return this;
        }

        Msg i64(long v) throws IOException {
            out.writeLong(v);
            return this;
        }

        Msg str(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.writeByte(0);
            return this;
        }

        Msg text(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.writeByte('t');
            out.writeInt(b.length);
            out.write(b);
            return this;
        }

        /** Wrapped at an offset inside a larger array, as pgjdbc hands messages over. */
        ByteBuffer buffer() {
            byte[] body = bytes.toByteArray();
            byte[] padded = new byte[body.length + 7];
            System.arraycopy(body, 0, padded, 5, body.length);
            return ByteBuffer.wrap(padded, 5, body.length).slice();
        }
    }

    private void relation() throws IOException {
        decoder.decode(new Msg('R').i32(16400).str("Sales Dept").str("Order ☃").b('d').i16(3)
                .b(1).str("id").i32(20).i32(-1)
                .b(0).str("name").i32(25).i32(-1)
                .b(0).str("qty").i32(23).i32(-1).buffer(), listener);
    }

    @Test
    void beginAndCommitCarryLsnsXidAndUnixMicros() throws IOException {
        decoder.decode(new Msg('B').i64(0x1_0000_0010L).i64(1_000_000L).i32(0xFFFF_FFFE).buffer(), listener);
        decoder.decode(new Msg('C').b(0).i64(0x1_0000_0010L).i64(0x1_0000_0040L).i64(1_000_000L).buffer(), listener);
        long unix = 946_684_800_000_000L + 1_000_000L;
        assertThat(seen).containsExactly("begin 4294967312 " + unix + " 4294967294",
                "commit 4294967312 4294967360 " + unix);
    }

    @Test
    void insertDecodesTextNullAndUnicode() throws IOException {
        relation();
        decoder.decode(new Msg('I').i32(16400).b('N').i16(3).text("-9223372036854775808").text("ünï 😀").b('n')
                .buffer(), listener);
        assertThat(seen).containsExactly("insert Sales Dept.Order ☃");
        assertThat(images.get(0)).containsExactly(Long.MIN_VALUE, "ünï 😀", null);
    }

    @Test
    void updateWithoutOldTupleHasNullBeforeAndUnchangedToastStaysUnchanged() throws IOException {
        relation();
        decoder.decode(new Msg('U').i32(16400).b('N').i16(3).text("1").b('u').text("5").buffer(), listener);
        assertThat(images.get(0)).isNull();
        assertThat(images.get(1)).containsExactly(1L, ChangeEvent.UNCHANGED, 5);
    }

    @Test
    void keyOnlyOldTupleMarksNonKeyColumnsAsNotProvided() throws IOException {
        relation();
        decoder.decode(new Msg('U').i32(16400).b('K').i16(3).text("1").b('n').b('n')
                .b('N').i16(3).text("2").text("b").text("6").buffer(), listener);
        decoder.decode(new Msg('D').i32(16400).b('K').i16(3).text("2").b('n').b('n').buffer(), listener);
        assertThat(images.get(0)).containsExactly(1L, ChangeEvent.UNCHANGED, ChangeEvent.UNCHANGED);
        assertThat(images.get(1)).containsExactly(2L, "b", 6);
        assertThat(images.get(2)).containsExactly(2L, ChangeEvent.UNCHANGED, ChangeEvent.UNCHANGED);
    }

    @Test
    void fullOldTupleIsTheWholeRow() throws IOException {
        relation();
        decoder.decode(new Msg('D').i32(16400).b('O').i16(3).text("3").text("c").b('n').buffer(), listener);
        assertThat(images.get(0)).containsExactly(3L, "c", null);
    }

    @Test
    void truncateNamesEachRelationAndOriginTypeAndMessageAreIgnored() throws IOException {
        relation();
        decoder.decode(new Msg('O').i64(42).str("upstream").buffer(), listener);
        decoder.decode(new Msg('Y').i32(90000).str("public").str("mood").buffer(), listener);
        decoder.decode(new Msg('M').b(1).i64(42).str("prefix").i32(3).b('a').b('b').b('c').buffer(), listener);
        decoder.decode(new Msg('T').i32(1).b(1).i32(16400).buffer(), listener);
        assertThat(seen).containsExactly("truncate [Sales Dept.Order ☃]");
    }

    private static final PgoutputDecoder.Listener NO_OP = new PgoutputDecoder.Listener() {
        @Override
        public void begin(long finalLsn, long commitMicros, long xid) {
        }

        @Override
        public void commit(long commitLsn, long endLsn, long commitMicros) {
        }

        @Override
        public void insert(PgRelation relation, Object[] after) {
        }

        @Override
        public void update(PgRelation relation, Object[] before, Object[] after) {
        }

        @Override
        public void delete(PgRelation relation, Object[] before) {
        }

        @Override
        public void truncate(List<PgRelation> relations) {
        }
    };
}
