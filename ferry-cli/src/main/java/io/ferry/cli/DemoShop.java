package io.ferry.cli;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo's source database: a small shop (customers, products, orders, order items) with the column types
 * people actually sync — numeric money, timestamptz, jsonb, text, bytea — and a live workload on it.
 */
final class DemoShop {

    private final Connection c;
    private final AtomicLong transactions = new AtomicLong();
    private volatile boolean loyaltyColumnAdded;

    DemoShop(Connection connection) {
        this.c = connection;
    }

    /** Creates the tables and loads about {@code rows} rows across them in one pass of SQL. */
    void createAndLoad(long rows) throws SQLException {
        long customers = Math.max(10, rows / 10);
        long products = Math.max(10, rows / 20);
        long orders = Math.max(10, rows * 3 / 10);
        long items = Math.max(10, rows - customers - products - orders);
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE customers (id bigserial PRIMARY KEY, name text NOT NULL, email text NOT NULL,"
                    + " created_at timestamptz NOT NULL, profile jsonb, avatar bytea)");
            s.execute("CREATE TABLE products (id bigserial PRIMARY KEY, sku text NOT NULL, name text NOT NULL,"
                    + " price numeric(12,2) NOT NULL, stock int NOT NULL, attributes jsonb, updated_at timestamptz)");
            s.execute("CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers,"
                    + " status text NOT NULL, total numeric(14,2) NOT NULL, placed_at timestamptz NOT NULL, notes text)");
            s.execute("CREATE TABLE order_items (order_id bigint NOT NULL REFERENCES orders ON DELETE CASCADE,"
                    + " line int NOT NULL, product_id bigint NOT NULL REFERENCES products, quantity int NOT NULL,"
                    + " unit_price numeric(12,2) NOT NULL, PRIMARY KEY (order_id, line))");
            s.execute("INSERT INTO customers (name, email, created_at, profile, avatar) SELECT 'Customer ' || g,"
                    + " 'c' || g || '@example.com', now() - g * interval '1 minute',"
                    + " jsonb_build_object('tier', (ARRAY['bronze','silver','gold'])[1 + g % 3], 'newsletter', g % 2 = 0),"
                    + " decode(md5(g::text), 'hex') FROM generate_series(1, " + customers + ") g");
            s.execute("INSERT INTO products (sku, name, price, stock, attributes, updated_at) SELECT 'SKU-' || g,"
                    + " 'Product ' || g, round((1 + random() * 500)::numeric, 2), (random() * 1000)::int,"
                    + " jsonb_build_object('color', (ARRAY['red','green','blue'])[1 + g % 3], 'weight_g', g % 900),"
                    + " now() FROM generate_series(1, " + products + ") g");
            s.execute("INSERT INTO orders (customer_id, status, total, placed_at, notes) SELECT 1 + g % " + customers
                    + ", (ARRAY['new','paid','shipped'])[1 + g % 3], round((random() * 900)::numeric, 2),"
                    + " now() - g * interval '1 second', CASE WHEN g % 7 = 0 THEN 'gift wrap' END"
                    + " FROM generate_series(1, " + orders + ") g");
            s.execute("INSERT INTO order_items (order_id, line, product_id, quantity, unit_price)"
                    + " SELECT 1 + (g - 1) % " + orders + ", 1 + (g - 1) / " + orders + ", 1 + g % " + products
                    + ", 1 + g % 5, round((1 + random() * 500)::numeric, 2) FROM generate_series(1, " + items + ") g");
            s.execute("ANALYZE");
        }
    }

    /** One random business transaction: a new order, a price change, a status change or a cancellation. */
    void step() throws SQLException {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        c.setAutoCommit(false);
        try {
            int dice = r.nextInt(100);
            if (dice < 45) {
                newOrder(r);
            } else if (dice < 70) {
                update("UPDATE products SET price = round((1 + random() * 500)::numeric, 2), stock = stock - 1,"
                        + " updated_at = now() WHERE id = (SELECT 1 + floor(random() * (SELECT max(id) FROM products))::bigint)");
            } else if (dice < 90) {
                update("UPDATE orders SET status = 'shipped' WHERE id = (SELECT 1 + floor(random() * (SELECT max(id) FROM orders))::bigint)");
            } else if (dice < 97) {
                update("DELETE FROM orders WHERE id = (SELECT 1 + floor(random() * (SELECT max(id) FROM orders))::bigint)");
            } else {
                update(loyaltyColumnAdded
                        ? "UPDATE customers SET loyalty_tier = 'gold', profile = profile || '{\"vip\": true}' WHERE id = (SELECT 1 + floor(random() * 1000)::bigint)"
                        : "UPDATE customers SET profile = profile || '{\"vip\": true}' WHERE id = (SELECT 1 + floor(random() * 1000)::bigint)");
            }
            c.commit();
            transactions.incrementAndGet();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** The schema change of the demo: a column added while changes flow. */
    void addLoyaltyColumn() throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("ALTER TABLE customers ADD COLUMN loyalty_tier text");
        }
        loyaltyColumnAdded = true;
    }

    long transactions() {
        return transactions.get();
    }

    private void newOrder(ThreadLocalRandom r) throws SQLException {
        long orderId;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO orders (customer_id, status, total, placed_at, notes)"
                + " SELECT id, 'new', 0, now(), NULL FROM customers ORDER BY id LIMIT 1 OFFSET ? RETURNING id")) {
            ps.setInt(1, r.nextInt(100));
            try (var rs = ps.executeQuery()) {
                rs.next();
                orderId = rs.getLong(1);
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO order_items (order_id, line, product_id, quantity, unit_price)"
                + " SELECT ?, g, p.id, 1 + g, p.price FROM generate_series(1, ?) g"
                + " JOIN products p ON p.id = 1 + (g * 7919 + ?) % 100")) {
            ps.setLong(1, orderId);
            ps.setInt(2, 1 + r.nextInt(3));
            ps.setInt(3, r.nextInt(1000));
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE orders SET total = (SELECT coalesce(sum(quantity * unit_price), 0)"
                + " FROM order_items WHERE order_id = ?) WHERE id = ?")) {
            ps.setLong(1, orderId);
            ps.setLong(2, orderId);
            ps.executeUpdate();
        }
    }

    private void update(String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeUpdate(sql);
        }
    }
}
