/**
 * The seam every database kind plugs into: a {@link io.ferry.core.connector.Connector} per kind, found through
 * {@link java.util.ServiceLoader}. Adding a source or a target is one module and one service entry.
 */
package io.ferry.core.connector;
