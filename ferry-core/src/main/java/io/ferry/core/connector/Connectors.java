package io.ferry.core.connector;

import io.ferry.core.FerryException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/** The connectors on the class path (or a given set), by {@code type} and alias. Immutable, thread-safe. */
public final class Connectors {

    private static volatile Connectors installed;

    private final Map<String, Connector> byName = new LinkedHashMap<>();
    private final List<Connector> all;

    private Connectors(List<Connector> connectors) {
        this.all = List.copyOf(connectors);
        for (Connector c : all) {
            register(c.type(), c);
            for (String alias : c.aliases()) {
                register(alias, c);
            }
        }
    }

    private void register(String name, Connector c) {
        Connector previous = byName.putIfAbsent(name.toLowerCase(Locale.ROOT), c);
        if (previous != null && previous != c) {
            throw new IllegalStateException("two connectors claim type '" + name + "': "
                    + previous.getClass().getName() + " and " + c.getClass().getName());
        }
    }

    /** The connectors {@link ServiceLoader} finds, loaded once. */
    public static Connectors installed() {
        Connectors c = installed;
        if (c == null) {
            List<Connector> found = new ArrayList<>();
            ServiceLoader.load(Connector.class).forEach(found::add);
            c = new Connectors(found);
            installed = c;
        }
        return c;
    }

    public static Connectors of(Connector... connectors) {
        return new Connectors(List.of(connectors));
    }

    /** The connector selected by {@code type} (or an alias), any case. */
    public Optional<Connector> find(String type) {
        return type == null ? Optional.empty() : Optional.ofNullable(byName.get(type.toLowerCase(Locale.ROOT)));
    }

    /** Like {@link #find}, but a missing kind is an error that lists the ones there are. */
    public Connector get(String type) {
        return find(type).orElseThrow(() -> new FerryException("no connector for type '" + type
                + "'; installed: " + String.join(", ", byName.keySet())));
    }

    /** The {@code type}s (and aliases) of connectors that can be sources, or sinks. */
    public List<String> names(boolean sources) {
        List<String> names = new ArrayList<>();
        byName.forEach((name, c) -> {
            if (sources ? c.capturesChanges() : c.appliesChanges()) {
                names.add(name);
            }
        });
        return names;
    }
}
