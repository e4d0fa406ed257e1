// Runs the inline scripts of WPT cookie test files in Node, with recording stand-ins for the test functions they
// call (httpCookieTest, domCookieTest, the prefix helpers, ...), and prints every call as JSON: which function, its
// arguments, the page it runs on, and the line of the test file it was called from. Nothing of a browser runs: the
// tests' own data (cookie lines, expected document.cookie) is what is recorded. A test page that opens another
// window (window.open, then fetch_tests_from_window) has that page run too, on the origin it was opened at.
// Used by extract.py; needs Node 18 or newer (Playwright's own Node will do).
//
//     node run_scripts.mjs WPT_ROOT cookies/name/name.html ...
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";

const [, , root, ...files] = process.argv;
const HOST = "web-platform.test";
// wptserve's substitutions (tools/serve: the default ports and host names of a WPT run).
const SUBS = {
  "host": HOST,
  "domains[www]": `www.${HOST}`,
  "domains[www1]": `www1.${HOST}`,
  "domains[www2]": `www2.${HOST}`,
  "domains[www2.www]": `www2.www.${HOST}`,
  "hosts[alt][]": `not-${HOST}`,
  "hosts[][www]": `www.${HOST}`,
  "ports[http][0]": "8000",
  "ports[https][0]": "8443",
};
const RECORDED = ["httpCookieTest", "domCookieTest", "httpRedirectCookieTest",
                  "set_prefixed_cookie_via_http_test", "set_prefixed_cookie_via_dom_test"];
const UNMODELLED = ["promise_test", "async_test"];
const RANDOM = 0.5;  // Math.random(): the prefix helpers' cookie value is "" + Math.random()
// Test files that wrap promise_test in a helper of the same shape as one of cookie-helper.sub.js's: the wrapper,
// renamed where it is declared, is replaced by a recorder of that helper's call (its title, lines and
// expectations are the file's own).
const ADAPTERS = {
  "cookies/prefix/document-cookie.non-secure.html": {
    wrapper: "create_test",
    record(counter, prefix, params, shouldExistInDOM, shouldExistViaHTTP, title) {
      return ["set_prefixed_cookie_via_dom_test",
              [{ prefix, params, shouldExistInDOM, shouldExistViaHTTP, title, value: `foo${counter}` }]];
    },
  },
};

const substitute = (text, sub) => sub ? text.replace(/\{\{([^}]+)\}\}/g, (m, k) => (k in SUBS ? SUBS[k] : m)) : text;

function inlineScripts(html) {
  const out = [];
  const re = /<script(\s[^>]*)?>([\s\S]*?)<\/script>/gi;
  let m;
  while ((m = re.exec(html))) {
    if (m[1] && /\bsrc\s*=/.test(m[1])) continue;
    const contentStart = m.index + m[0].indexOf(">") + 1;
    out.push({ text: m[2], lineOffset: html.slice(0, contentStart).split("\n").length - 1 });
  }
  return out;
}

function callerLine(file) {
  for (const frame of new Error().stack.split("\n")) {
    const hit = frame.match(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(\\d+):\\d+`));
    if (hit) return Number(hit[1]);
  }
  return null;
}

// The origin a test file is served at when run by itself: https for .https. files, the www host for .www. ones.
function ownOrigin(file) {
  const secure = /\.https\./.test(file);
  const host = /\.www\./.test(file) ? `www.${HOST}` : HOST;
  return secure ? `https://${host}:8443` : `http://${host}:8000`;
}

const out = [];
const queue = files.map(file => ({ file, origin: ownOrigin(file), openedBy: null }));
while (queue.length) {
  const { file, origin, openedBy } = queue.shift();
  const html = fs.readFileSync(path.join(root, file), "utf8");
  const sub = /\.sub\./.test(file);
  const url = new URL(`/${file}`, origin);
  const location = { hostname: url.hostname, host: url.host, origin, pathname: url.pathname, protocol: url.protocol,
                     href: url.href };
  const document = { cookie: "", location };
  const sandbox = {
    console, document, location, origin, URL,
    fetch: () => Promise.resolve({ json: () => ({}), status: 200, ok: true }),
    Math: Object.create(Math, { random: { value: () => RANDOM } }),
    test_driver: { delete_all_cookies: () => Promise.resolve(), set_test_context() {} },
    setup() {}, done() {}, add_completion_callback() {}, step_timeout() {}, fetch_tests_from_window() {},
    open(target) {  // window.open from a test page: the opened page runs next, on the origin it was opened at
      const opened = new URL(target, url);
      const child = opened.pathname.replace(/^\//, "");
      if (fs.existsSync(path.join(root, child))) queue.push({ file: child, origin: opened.origin, openedBy: file });
      return {};
    },
    test(fn, title) {  // a synchronous test: run, since the pages that open others do that in one; one that
      // asserts on a real DOM fails here and is recorded as not modelled
      try { fn({ step: f => f(), step_func: f => f, done() {}, add_cleanup() {} }); } catch (error) {
        out.push({ file, origin, openedBy, function: "test", line: callerLine(file), args: [title ?? String(error)] });
      }
    },
  };
  sandbox.window = sandbox;
  sandbox.self = sandbox;
  sandbox.top = sandbox;
  sandbox.opener = null;
  const context = vm.createContext(sandbox);
  for (const helper of ["cookies/resources/cookie-test.js", "cookies/resources/cookie-helper.sub.js"]) {
    if (new RegExp(`src=["']/${helper}["']`).test(html) && fs.existsSync(path.join(root, helper))) {
      vm.runInContext(substitute(fs.readFileSync(path.join(root, helper), "utf8"), /\.sub\./.test(helper)), context,
                      { filename: helper });
    }
  }
  const record = (name, line, args) => out.push({ file, origin, openedBy, function: name, line, args });
  for (const name of [...RECORDED, ...UNMODELLED]) {
    context[name] = (...args) => {
      const recorded = UNMODELLED.includes(name) ? [typeof args[1] === "string" ? args[1] : ""] : args;
      if (name.startsWith("set_prefixed_cookie")) recorded[0] = { value: String(RANDOM), ...recorded[0] };
      record(name, callerLine(file), recorded);
      return { step: () => {}, step_func: f => f, done: () => {} };
    };
  }
  const adapter = ADAPTERS[file];
  let counter = 0;
  if (adapter) {
    context[adapter.wrapper] = (...args) => {
      const [name, recorded] = adapter.record(++counter, ...args);
      record(name, callerLine(file), recorded);
    };
  }
  for (const script of inlineScripts(html)) {
    let text = substitute(script.text, sub);
    if (adapter) text = text.replace(`function ${adapter.wrapper}(`, `function ${adapter.wrapper}_as_written(`);
    try {
      vm.runInContext(text, context, { filename: file, lineOffset: script.lineOffset });
    } catch (error) {  // a script that needs a real DOM: recorded, so the file is reported as not extracted
      record("script-error", script.lineOffset + 1, [String(error)]);
    }
  }
}
process.stdout.write(JSON.stringify(out));
