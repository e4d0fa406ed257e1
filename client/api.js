// The fetch client of the session API: plain ES module, no build step.
//
// Every call resolves (never throws) to one of:
//   {outcome: "resolved", status, ok, body, setCookieVisible, headerRead}  the response could be read
//   {outcome: "opaque", status: 0}                             mode "no-cors": a response script may not read;
//                                                              redirect "manual": the opaque redirect
//   {outcome: "network_error", error}                          fetch rejected: a CORS failure, a refused
//                                                              connection, mode "same-origin" refusing a
//                                                              cross-origin URL before any request, or
//                                                              "TimeoutError: ..." after timeoutMs
// so a caller always sees what happened instead of an exception it might swallow.

// How a body goes: JSON (a cross-origin fetch preflights it), or as an HTML form would send it, urlencoded or
// text/plain, which keeps the request simple (no preflight: it reaches the server whatever its CORS answer).
const ENCODINGS = {
  json: ["application/json", (body) => JSON.stringify(body)],
  form: ["application/x-www-form-urlencoded", (body) => new URLSearchParams(body).toString()],
  text: ["text/plain", (body) => Object.entries(body).map(([k, v]) => `${k}=${v}`).join("\r\n")],
};

// loginUrl: where login posts, when not the API's own /api/login (an auth endpoint that redirects there).
// authorization: an Authorization header value every call sends (a bearer token beside the cookie), or none.
// cache: the fetch cache mode; "no-store" unless a case asks for the browser's default (which the API's
// Cache-Control: no-store keeps out of the HTTP cache too).
// redirect: login's redirect mode (follow, manual: an opaque redirect, error: a network error on a redirect).
// query: a query string every call's URL carries, or none: URLs of their own, whose cached preflights and answers
// (both caches key an entry by its URL) no other URL meets.
export function createClient({ base, credentials = "same-origin", mode = "cors", timeoutMs = 15000, body = "json", loginUrl, authorization, cache = "no-store", redirect = "follow", query } = {}) {
  if (typeof base !== "string" || !/^https?:\/\//.test(base)) {
    throw new TypeError(`createClient needs base, an http(s) URL such as "https://api.site-b.test:8443", not ${JSON.stringify(base)}`);
  }
  if (!(body in ENCODINGS)) {
    throw new TypeError(`createClient's body is one of ${Object.keys(ENCODINGS).join(", ")}, not ${JSON.stringify(body)}`);
  }
  if (query != null && (typeof query !== "string" || /[?#]/.test(query))) {
    throw new TypeError(`createClient's query is a query string without "?" or "#", such as "case=1", not ${JSON.stringify(query)}`);
  }
  const [contentType, encode] = ENCODINGS[body];
  const root = base.replace(/\/+$/, "");

  async function call(method, path, fields, redirectMode = "follow") {
    // A host that never answers must not hang the caller: the fetch is aborted with a TimeoutError.
    const init = { method, credentials, mode, cache, redirect: redirectMode, headers: {}, signal: AbortSignal.timeout(timeoutMs) };
    if (authorization) {
      init.headers["Authorization"] = authorization;
    }
    if (fields !== undefined) {
      init.headers["Content-Type"] = contentType;
      init.body = encode(fields);
    }
    let response;
    try {
      const url = /^https?:/.test(path) ? path : root + path;
      response = await fetch(query ? `${url}?${query}` : url, init);
    } catch (error) {
      return { outcome: "network_error", error: `${error.name}: ${error.message}` };
    }
    if (response.type === "opaque" || response.type === "opaqueredirect") {
      return { outcome: "opaque", status: response.status };
    }
    const text = await response.text();
    let parsed = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text as it came
    }
    return {
      outcome: "resolved",
      status: response.status,
      ok: response.ok,
      body: parsed,
      // Fetch: Set-Cookie is a forbidden response-header name, so this is always null.
      setCookieVisible: response.headers.get("set-cookie"),
      // The API's own header: a CORS response shows it only where Access-Control-Expose-Headers lets script read it.
      headerRead: response.headers.get("x-request-id") !== null,
    };
  }

  return {
    login: (username, password) => call("POST", loginUrl ?? "/api/login", { username, password }, redirect),
    me: () => call("GET", "/api/me"),
    listResources: () => call("GET", "/api/resources"),
    createResource: (title) => call("POST", "/api/resources", { title }),
    logout: () => call("POST", "/api/logout"),
  };
}
