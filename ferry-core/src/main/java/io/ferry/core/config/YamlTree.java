package io.ferry.core.config;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads a YAML mapping with the line of every key, and reports problems as {@code file:line: key: what},
 * so each error a person sees points at the place to fix. Keys are consumed as they are read; whatever is
 * left over at the end is an unknown key.
 */
final class YamlTree {

    private final String file;
    private final List<String> errors = new ArrayList<>();

    YamlTree(String file) {
        this.file = file;
    }

    /** The document's root mapping, or null after recording an error. */
    Section root(String text) {
        Node node;
        try {
            node = new Yaml().compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() != null ? e.getProblemMark().getLine() + 1 : 1;
            errors.add(file + ":" + line + ": not valid YAML: " + e.getProblem());
            return null;
        }
        if (node == null) {
            errors.add(file + ":1: the file is empty");
            return null;
        }
        if (!(node instanceof MappingNode mapping)) {
            errors.add(file + ":" + line(node) + ": expected a mapping of keys at the top level");
            return null;
        }
        return new Section("", mapping, mapping);
    }

    void error(Node at, String key, String message) {
        errors.add(file + ":" + line(at) + ": " + key + ": " + message);
    }

    List<String> errors() {
        return errors;
    }

    static int line(Node node) {
        return node.getStartMark().getLine() + 1;
    }

    /** One mapping, with the dotted path of its keys for messages. */
    final class Section {
        private final String path;
        private final Node node;
        private final Map<String, NodeTuple> entries = new LinkedHashMap<>();

        /** {@code at} is where the section starts for people: its key's line, or the document for the root. */
        private Section(String path, Node at, MappingNode mapping) {
            this.path = path;
            this.node = at;
            for (NodeTuple t : mapping.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode k) {
                    if (entries.putIfAbsent(k.getValue(), t) != null) {
                        error(k, key(k.getValue()), "duplicate key");
                    }
                } else {
                    error(t.getKeyNode(), path.isEmpty() ? "(key)" : path, "a key must be a plain word");
                }
            }
        }

        String key(String name) {
            return path.isEmpty() ? name : path + "." + name;
        }

        java.util.Set<String> keys() {
            return entries.keySet();
        }

        void problem(String name, String message) {
            YamlTree.this.error(node, key(name), message);
        }

        boolean has(String name) {
            return entries.containsKey(name);
        }

        /** The scalar text of a key, null when absent (after recording an error when required). */
        Scalar scalar(String name, boolean required) {
            NodeTuple t = entries.remove(name);
            if (t == null) {
                if (required) {
                    error(node, path.isEmpty() ? name : path, path.isEmpty()
                            ? "missing required key" : "missing required key '" + name + "'");
                }
                return null;
            }
            Node v = t.getValueNode();
            if (!(v instanceof ScalarNode s)) {
                error(v, key(name), "expected a single value, got a " + kind(v));
                return null;
            }
            if (s.getValue().isEmpty() && s.getTag().getValue().endsWith(":null")) {
                if (required) {
                    error(v, key(name), "must not be empty");
                }
                return null;
            }
            return new Scalar(key(name), s);
        }

        /** A nested mapping, null when absent (after recording an error when required). */
        Section section(String name, boolean required) {
            NodeTuple t = entries.remove(name);
            if (t == null) {
                if (required) {
                    error(node, path.isEmpty() ? name : path, "missing required section '" + name + "'");
                }
                return null;
            }
            Node v = t.getValueNode();
            if (!(v instanceof MappingNode m)) {
                error(v, key(name), "expected a mapping of keys, got a " + kind(v));
                return null;
            }
            return new Section(key(name), t.getKeyNode(), m);
        }

        /** A list of scalars (or one scalar as a list of one), null when absent. */
        List<Scalar> list(String name, boolean required) {
            NodeTuple t = entries.get(name);
            if (t != null && t.getValueNode() instanceof ScalarNode) {
                Scalar one = scalar(name, required);
                return one == null ? null : List.of(one);
            }
            entries.remove(name);
            if (t == null) {
                if (required) {
                    error(node, path.isEmpty() ? name : path, "missing required key '" + name + "'");
                }
                return null;
            }
            Node v = t.getValueNode();
            if (!(v instanceof SequenceNode seq)) {
                error(v, key(name), "expected a list, got a " + kind(v));
                return null;
            }
            List<Scalar> out = new ArrayList<>();
            for (Node item : seq.getValue()) {
                if (item instanceof ScalarNode s) {
                    out.add(new Scalar(key(name), s));
                } else {
                    error(item, key(name), "expected a list of names, got a " + kind(item));
                }
            }
            return out;
        }

        /** Where this section starts, as {@code file:line: key} for messages made later. */
        String at() {
            return file + ":" + line(node) + ": " + path;
        }

        /** A list of mappings, each a section named {@code name[i]}; null when absent. */
        List<Section> sections(String name) {
            NodeTuple t = entries.remove(name);
            if (t == null) {
                return null;
            }
            Node v = t.getValueNode();
            if (!(v instanceof SequenceNode seq)) {
                error(v, key(name), "expected a list of entries (each starting with '-'), got a " + kind(v));
                return null;
            }
            List<Section> out = new ArrayList<>();
            for (int i = 0; i < seq.getValue().size(); i++) {
                Node item = seq.getValue().get(i);
                if (item instanceof MappingNode m) {
                    out.add(new Section(key(name) + "[" + i + "]", item, m));
                } else {
                    error(item, key(name) + "[" + i + "]", "expected a mapping of keys, got a " + kind(item));
                }
            }
            return out;
        }

        /** Records every key nobody asked for as unknown. */
        void rejectUnknown(List<String> known) {
            for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
                String hint = closest(e.getKey(), known);
                error(e.getValue().getKeyNode(), key(e.getKey()),
                        "unknown key" + (hint == null ? "" : " (did you mean '" + hint + "'?)"));
            }
            entries.clear();
        }
    }

    /** One scalar value with its key path, for typed reads that name the key when they fail. */
    final class Scalar {
        final String key;
        final ScalarNode node;

        Scalar(String key, ScalarNode node) {
            this.key = key;
            this.node = node;
        }

        String text() {
            return node.getValue();
        }

        void error(String message) {
            YamlTree.this.error(node, key, message);
        }

        /** Where this value is, as {@code file:line: key}. */
        String at() {
            return file + ":" + line(node) + ": " + key;
        }
    }

    private static String kind(Node n) {
        return n instanceof MappingNode ? "mapping" : n instanceof SequenceNode ? "list" : "value";
    }

    private static String closest(String word, List<String> candidates) {
        String best = null;
        int bestDistance = 3;
        for (String c : candidates) {
            int d = distance(word, c);
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
