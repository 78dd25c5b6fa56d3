package io.ferry.core.health;

/** The three parts a pipeline needs; each can be down on its own. */
public enum Part {
    SOURCE("source"), KAFKA("Kafka"), SINK("sink");

    private final String label;

    Part(String label) {
        this.label = label;
    }

    /** The part's name in messages: {@code source}, {@code Kafka}, {@code sink}. */
    public String label() {
        return label;
    }
}
