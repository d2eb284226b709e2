package dev.ember.server;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An error answered in OpenAI's shape, {@code {"error": {"message", "type", "code"}}}, with its HTTP status:
 * the official clients turn it into their own exceptions (BadRequestException, ...).
 */
final class ApiError extends RuntimeException {
    private final int status;
    private final String type;
    private final String code;
    private final int retryAfterSeconds;

    private ApiError(int status, String type, String code, String message, int retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400: the request cannot be served as it is. */
    static ApiError badRequest(String code, String message) {
        return new ApiError(400, "invalid_request_error", code, message, 0);
    }

    /** 401: no or a wrong API key. */
    static ApiError unauthorized() {
        return new ApiError(401, "authentication_error", "invalid_api_key",
                "Invalid API key: send 'Authorization: Bearer <key>' with the key the server was started with", 0);
    }

    /** 404: no such route. */
    static ApiError notFound(String method, String path) {
        return new ApiError(404, "invalid_request_error", "not_found", "no route " + method + " " + path
                + " (routes: POST /v1/chat/completions, POST /v1/completions, GET /v1/models, GET /health, "
                + "POST /apply-template)", 0);
    }

    /** 503: every session is busy and the queue is full. */
    static ApiError busy(int parallel, int queue, int retryAfterSeconds) {
        return new ApiError(503, "server_error", "server_busy", "the server is busy: " + parallel
                + " requests are running and " + queue + " are waiting; retry later", retryAfterSeconds);
    }

    /** An HTTP error the server library raised itself (a body over its size limit: 413). */
    static ApiError http(int status, String message) {
        return new ApiError(status, status < 500 ? "invalid_request_error" : "server_error", "http_" + status,
                message, 0);
    }

    /** 500: a bug, not the client's fault. */
    static ApiError internal(Throwable t) {
        return new ApiError(500, "server_error", "internal_error", "internal error: " + t, 0);
    }

    int status() {
        return status;
    }

    /** @return seconds for a Retry-After header, or 0 for none */
    int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** @return the response body */
    Map<String, Object> body() {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", getMessage());
        error.put("type", type);
        error.put("code", code);
        return Map.of("error", error);
    }
}
