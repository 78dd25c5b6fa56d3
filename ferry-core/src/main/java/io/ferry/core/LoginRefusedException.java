package io.ferry.core;

/**
 * A database refused a login: wrong password, unknown user, no right to connect, or no such database. Fatal before
 * start (the pipeline file is wrong: preflight ends with exit 2); once a pipeline has run, a half retries it with
 * backoff, because a password rotated or a database restored while it runs comes back without Ferry.
 */
public class LoginRefusedException extends FerryException {

    private final String user;
    private final String address;
    private final String refusal;

    /**
     * @param message the one line for the operator before start (what to fix)
     * @param user    the login's user name
     * @param address {@code host:port} of the database
     * @param refusal the server's own reason, one line, never a password
     */
    public LoginRefusedException(String message, String user, String address, String refusal, Throwable cause) {
        super(message, cause, false);
        this.user = user;
        this.address = address;
        this.refusal = refusal;
    }

    public String user() {
        return user;
    }

    public String address() {
        return address;
    }

    /**
     * The same refusal as a retriable failure of a running pipeline, one line: {@code login refused for user ferry
     * at db:5432: <the server's reason>}.
     */
    public FerryException whileRunning() {
        return FerryException.retriable("login refused for user " + user + " at " + address + ": " + refusal, this);
    }
}
