package io.acrproxy.policy.servicetag;

import java.io.IOException;

/** The input is not a usable service-tags file; the message says where and why. */
public class ServiceTagsFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public ServiceTagsFormatException(String message) {
        super(message);
    }

    public ServiceTagsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
