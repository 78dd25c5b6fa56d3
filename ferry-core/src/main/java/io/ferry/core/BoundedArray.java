package io.ferry.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A PostgreSQL array whose lower bounds are not all 1 ({@code '[0:1]={1,2}'}): the {@link TypeKind#ARRAY} value
 * that keeps them. An array with every lower bound 1 is a plain {@link List} instead, so each array value has one
 * form; {@link #of} picks it. Immutable.
 *
 * @param lowerBounds one per dimension, outermost first
 * @param elements    the elements as nested lists, one level per dimension, as for a plain array
 */
public record BoundedArray(List<Integer> lowerBounds, List<?> elements) {

    /** PostgreSQL's MAXDIM. */
    private static final int MAX_DIMENSIONS = 6;

    public BoundedArray {
        if (lowerBounds == null || lowerBounds.isEmpty() || lowerBounds.size() > MAX_DIMENSIONS) {
            throw new IllegalArgumentException("an array has 1 to " + MAX_DIMENSIONS + " lower bounds, not "
                    + (lowerBounds == null ? "none" : lowerBounds.size()));
        }
        lowerBounds = List.copyOf(lowerBounds);
        if (lowerBounds.stream().allMatch(b -> b == 1)) {
            throw new IllegalArgumentException("an array whose lower bounds are all 1 is a plain list");
        }
        if (elements == null) {
            throw new IllegalArgumentException("an array with lower bounds has elements");
        }
        elements = Collections.unmodifiableList(new ArrayList<>(elements));
        checkShape(lowerBounds, elements, 0);
    }

    /** {@code elements} as they are when every lower bound is 1, else a {@code BoundedArray}. */
    public static Object of(List<Integer> lowerBounds, List<?> elements) {
        for (Integer b : lowerBounds) {
            if (b == null || b != 1) {
                return new BoundedArray(lowerBounds, elements);
            }
        }
        return elements;
    }

    /**
     * The first {@code BoundedArray} in {@code value} or in the lists nested in it, or null: for sinks that cannot
     * hold one.
     */
    public static BoundedArray find(Object value) {
        if (value instanceof BoundedArray b) {
            return b;
        }
        if (value instanceof List<?> list) {
            for (Object e : list) {
                if (e instanceof List<?> || e instanceof BoundedArray) {
                    BoundedArray found = find(e);
                    if (found != null) {
                        return found;
                    }
                }
            }
        }
        return null;
    }

    /** PostgreSQL's dimension decoration, {@code [0:1]} or {@code [-2:-1][3:4]}, which precedes {@code =}. */
    public String dimensions() {
        StringBuilder sb = new StringBuilder();
        List<?> level = elements;
        for (int d = 0; d < lowerBounds.size(); d++) {
            int lower = lowerBounds.get(d);
            sb.append('[').append(lower).append(':').append(lower + level.size() - 1).append(']');
            if (d + 1 < lowerBounds.size()) {
                level = (List<?>) level.get(0);
            }
        }
        return sb.toString();
    }

    /** {@code [0:1]=[1, 2]}: the dimensions, then the elements. */
    @Override
    public String toString() {
        return dimensions() + "=" + elements;
    }

    /** Every dimension non-empty, rectangular, and ending where PostgreSQL allows. */
    private static void checkShape(List<Integer> lowerBounds, List<?> level, int d) {
        int lower = lowerBounds.get(d);
        if (level.isEmpty()) {
            throw new IllegalArgumentException("dimension " + (d + 1) + " of an array with lower bounds is empty");
        }
        // PostgreSQL requires lower bound + length, one past the upper bound, to fit an int.
        if ((long) lower + level.size() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("dimension " + (d + 1) + " of the array ends past "
                    + (Integer.MAX_VALUE - 1) + " (lower bound " + lower + ", " + level.size() + " elements)");
        }
        if (d + 1 == lowerBounds.size()) {
            return;
        }
        int size = -1;
        for (Object e : level) {
            if (!(e instanceof List<?> inner)) {
                throw new IllegalArgumentException("an array with " + lowerBounds.size() + " lower bounds has "
                        + lowerBounds.size() + " levels of nested lists");
            }
            if (size >= 0 && inner.size() != size) {
                throw new IllegalArgumentException("the sub-arrays of dimension " + (d + 2) + " differ in length");
            }
            size = inner.size();
            checkShape(lowerBounds, inner, d + 1);
        }
    }
}
