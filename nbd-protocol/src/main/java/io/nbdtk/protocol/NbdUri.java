package io.nbdtk.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * An NBD URI (NetworkBlockDevice/nbd {@code doc/uri.md}): {@code nbd://host[:port]/export},
 * {@code nbds://} (TLS required), {@code nbd+unix:///export?socket=PATH} and {@code nbds+unix://}.
 * IPv6 literals go in brackets, the export name is the percent-decoded path without its leading
 * slash, and the query parameters (socket, tls-certificates, tls-hostname, tls-verify-peer, ...)
 * are kept as a map. Parsing errors name the part that is wrong.
 *
 * @param host TCP host (IPv6 without brackets); empty for Unix sockets
 * @param port TCP port (default 10809); 0 for Unix sockets
 * @param socketPath the {@code socket} parameter for Unix sockets, else empty
 * @param user the user part of the authority (TLS PSK user name), may be empty
 */
public record NbdUri(boolean tls, boolean unix, String host, int port, String socketPath, String exportName,
        String user, Map<String, String> query) {
    public static final int DEFAULT_PORT = 10809;

    public NbdUri {
        query = Collections.unmodifiableMap(new LinkedHashMap<>(query));
    }

    public String scheme() {
        return (tls ? "nbds" : "nbd") + (unix ? "+unix" : "");
    }

    public Optional<String> param(String key) {
        return Optional.ofNullable(query.get(key));
    }

    /** Parses {@code text}; throws {@link IllegalArgumentException} naming the bad part. */
    public static NbdUri parse(String text) {
        int sep = text.indexOf("://");
        if (sep < 0) {
            throw bad(text, "missing scheme (expected nbd://, nbds://, nbd+unix:// or nbds+unix://)");
        }
        String scheme = text.substring(0, sep).toLowerCase(Locale.ROOT);
        boolean tls;
        boolean unix;
        switch (scheme) {
            case "nbd": tls = false; unix = false; break;
            case "nbds": tls = true; unix = false; break;
            case "nbd+unix": tls = false; unix = true; break;
            case "nbds+unix": tls = true; unix = true; break;
            default:
                throw bad(text, "unsupported scheme '" + scheme
                        + "' (expected nbd, nbds, nbd+unix or nbds+unix)");
        }
        String rest = text.substring(sep + 3);
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            rest = rest.substring(0, hash);
        }
        String queryText = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            queryText = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        int slash = rest.indexOf('/');
        String authority = slash >= 0 ? rest.substring(0, slash) : rest;
        String path = slash >= 0 ? rest.substring(slash) : "";

        String user = "";
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            user = decode(text, authority.substring(0, at), "user");
            authority = authority.substring(at + 1);
        }
        String host;
        String portText = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw bad(text, "IPv6 host '" + authority + "' lacks the closing ']'");
            }
            host = authority.substring(1, close);
            if (host.isEmpty() || !host.matches("[0-9A-Fa-f:.]+(%[0-9A-Za-z._~-]+)?")) {
                throw bad(text, "invalid IPv6 literal '[" + host + "]'");
            }
            String after = authority.substring(close + 1);
            if (after.startsWith(":")) {
                portText = after.substring(1);
            } else if (!after.isEmpty()) {
                throw bad(text, "unexpected '" + after + "' after IPv6 host");
            }
        } else {
            if (authority.indexOf(':') != authority.lastIndexOf(':')) {
                throw bad(text, "invalid host in '" + authority + "' (put IPv6 addresses in brackets)");
            }
            int colon = authority.indexOf(':');
            host = colon >= 0 ? authority.substring(0, colon) : authority;
            if (colon >= 0) {
                portText = authority.substring(colon + 1);
            }
            host = decode(text, host, "host");
            if (host.indexOf(':') >= 0 || host.indexOf('[') >= 0 || host.indexOf(']') >= 0) {
                throw bad(text, "invalid host '" + host + "' (put IPv6 addresses in brackets)");
            }
        }
        int port = 0;
        if (portText != null) {
            if (!portText.matches("[0-9]{1,5}") || Integer.parseInt(portText) < 1
                    || Integer.parseInt(portText) > 65535) {
                throw bad(text, "invalid port '" + portText + "' (expected 1..65535)");
            }
            port = Integer.parseInt(portText);
        }

        String export = path.isEmpty() || path.equals("/") ? "" : decode(text, path.substring(1), "export name");
        if (export.indexOf('\0') >= 0) {
            throw bad(text, "export name contains NUL");
        }

        Map<String, String> params = new LinkedHashMap<>();
        if (!queryText.isEmpty()) {
            for (String pair : queryText.split("&", -1)) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(text, eq >= 0 ? pair.substring(0, eq) : pair, "query key");
                String value = eq >= 0 ? decode(text, pair.substring(eq + 1), "query parameter '" + key + "'") : "";
                if (params.put(key, value) != null) {
                    throw bad(text, "query parameter '" + key + "' given twice");
                }
            }
        }

        String socket = "";
        if (unix) {
            if (!host.isEmpty() || portText != null) {
                throw bad(text, "a " + scheme + ":// URI takes no host or port (got '" + authority
                        + "'); use " + scheme + ":///export?socket=PATH");
            }
            socket = params.getOrDefault("socket", "");
            if (socket.isEmpty()) {
                throw bad(text, "missing query parameter 'socket' (the Unix socket path)");
            }
        } else {
            if (host.isEmpty()) {
                throw bad(text, "missing host");
            }
            if (params.containsKey("socket")) {
                throw bad(text, "query parameter 'socket' needs the " + scheme + "+unix scheme");
            }
            if (port == 0) {
                port = DEFAULT_PORT;
            }
        }
        return new NbdUri(tls, unix, host, port, socket, export, user, params);
    }

    private static String decode(String uri, String s, String part) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw bad(uri, "truncated percent escape in " + part + " '" + s + "'");
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw bad(uri, "invalid percent escape '" + s.substring(i, i + 3) + "' in " + part);
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
                    b = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                out.write(b, 0, b.length);
            }
        }
        try {
            return Wire.decodeUtf8(ByteBuffer.wrap(out.toByteArray()), part);
        } catch (ProtocolException e) {
            throw bad(uri, part + " is not valid UTF-8 or contains NUL after percent-decoding");
        }
    }

    private static IllegalArgumentException bad(String uri, String what) {
        return new IllegalArgumentException("invalid NBD URI '" + uri + "': " + what);
    }

    /** The URI in canonical text form. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(scheme()).append("://");
        if (!user.isEmpty()) {
            b.append(encode(user)).append('@');
        }
        if (!unix) {
            b.append(host.indexOf(':') >= 0 ? "[" + host + "]" : host);
            if (port != DEFAULT_PORT) {
                b.append(':').append(port);
            }
        }
        b.append('/').append(encode(exportName).replace("%2F", "/"));
        String sepChar = "?";
        for (Map.Entry<String, String> e : query.entrySet()) {
            b.append(sepChar).append(encode(e.getKey())).append('=').append(encode(e.getValue()).replace("%2F", "/"));
            sepChar = "&";
        }
        return b.toString();
    }

    private static String encode(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xFF;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return b.toString();
    }
}
