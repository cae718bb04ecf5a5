package io.acrproxy.policy.host;

/**
 * A host name, SNI value or config entry that fails design §4.2/§4.3. The message names the input and the
 * problem, ready for a config error or a {@code 400} reason phrase.
 *
 * <p>Thrown on untrusted input on the request path, so it carries no stack trace.
 */
public class InvalidHostException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidHostException(String message) {
        super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
