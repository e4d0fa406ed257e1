// Runs the inline scripts of WPT cookie test files in Node, with recording stand-ins for the test functions they
// call (httpCookieTest, domCookieTest, the prefix helpers, ...), and prints every call as JSON: which function, its
// arguments, and the line of the test file it was called from. Nothing of the browser runs: the tests' own data
// (cookie lines, expected document.cookie) is what is recorded. Used by extract.py; needs Node 18 or newer.
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
  "hosts[alt][]": `not-${HOST}`,
  "hosts[][www]": `www.${HOST}`,
  "ports[http][0]": "8000",
  "ports[https][0]": "8443",
};
const RECORDED = ["httpCookieTest", "domCookieTest", "httpRedirectCookieTest",
                  "set_prefixed_cookie_via_http_test", "set_prefixed_cookie_via_dom_test"];
const UNMODELLED = ["promise_test", "async_test", "test"];

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

const out = [];
for (const file of files) {
  const html = fs.readFileSync(path.join(root, file), "utf8");
  const sub = /\.sub\./.test(file);
  const secure = /\.https\./.test(file);
  const origin = secure ? `https://${HOST}:8443` : `http://${HOST}:8000`;
  const document = { cookie: "", location: { hostname: HOST, origin, pathname: "/" + file, protocol: secure ? "https:" : "http:" } };
  const sandbox = {
    console, document, location: document.location, origin,
    fetch: () => Promise.resolve({ json: () => ({}), status: 200 }),
    Math: Object.create(Math, { random: { value: () => 0.5 } }),
    test_driver: { delete_all_cookies: () => Promise.resolve() },
    setup() {}, done() {}, add_completion_callback() {}, step_timeout() {},
  };
  sandbox.window = sandbox;
  sandbox.self = sandbox;
  const context = vm.createContext(sandbox);
  for (const helper of ["cookies/resources/cookie-test.js", "cookies/resources/cookie-helper.sub.js"]) {
    if (new RegExp(`src=["']/${helper}["']`).test(html)) {
      vm.runInContext(substitute(fs.readFileSync(path.join(root, helper), "utf8"), /\.sub\./.test(helper)), context,
                      { filename: helper });
    }
  }
  for (const name of [...RECORDED, ...UNMODELLED]) {
    context[name] = (...args) => {
      out.push({ file, origin, function: name, line: callerLine(file),
                 args: UNMODELLED.includes(name) ? [typeof args[1] === "string" ? args[1] : String(args[args.length - 1] ?? "")] : args });
      return { step: () => {}, step_func: f => f, done: () => {} };
    };
  }
  for (const script of inlineScripts(html)) {
    try {
      vm.runInContext(substitute(script.text, sub), context, { filename: file, lineOffset: script.lineOffset });
    } catch (error) {  // a script that needs a real DOM: recorded, so the file is reported as not extracted
      out.push({ file, origin, function: "script-error", line: script.lineOffset + 1, args: [String(error)] });
    }
  }
}
process.stdout.write(JSON.stringify(out));
