package io.ferry.core.config;

import io.ferry.core.FerryException;

/** A pipeline file that cannot run; the message names the file, line and key. */
public final class ConfigException extends FerryException {

    public ConfigException(String message) {
        super(message);
    }
}
