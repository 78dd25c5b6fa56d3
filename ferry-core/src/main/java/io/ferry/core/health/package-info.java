/**
 * What a running pipeline says about its parts (source, Kafka, sink): up, or down since when and why. Filled by the
 * runner, read by the status line and by anything that serves the pipeline's state (an HTTP API, metrics).
 */
package io.ferry.core.health;
